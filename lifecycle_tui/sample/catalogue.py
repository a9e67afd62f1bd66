"""The sample shop's fixed world: identity settings, product catalogue, names, zones and tags.

Everything here is a constant list (never a set or a dict iterated for choices), so that
the generator's random draws always see the same sequence and the output is reproducible.
The shop is "Kettle & Kiln", a small Berlin tea and ceramics shop selling online across Europe.
"""

from __future__ import annotations

SHOP_TIMEZONE = "Europe/Berlin"
CURRENCY = "EUR"
SHOP_URL = "https://kettleandkiln.example"
EMAIL_DOMAIN = "kettleandkiln.example"

# Written with lifecycle_tui.store.settings.set_value, so every value is validated.
SHOP_SETTINGS = [
    ("shop.name", "Kettle & Kiln"),
    ("shop.url", SHOP_URL),
    ("shop.sender_name", "Mara at Kettle & Kiln"),
    ("shop.sender_email", f"hello@{EMAIL_DOMAIN}"),
    ("shop.postal_address", "Kettle & Kiln GmbH, Lindenstraße 12, 10969 Berlin, Germany"),
    ("shop.timezone", SHOP_TIMEZONE),
    ("shop.currency", CURRENCY),
]

# (product_id, title, price_cents, category, popularity weight)
PRODUCTS = [
    ("KK-T-SEN", "Sencha Asahi, 100 g", 1450, "tea", 9),
    ("KK-T-GYO", "Gyokuro Okumidori, 50 g", 2400, "tea", 3),
    ("KK-T-GEN", "Genmaicha, 100 g", 990, "tea", 7),
    ("KK-T-HOJ", "Hojicha Roasted Green, 80 g", 1190, "tea", 6),
    ("KK-T-MCC", "Ceremonial Matcha Uji, 30 g", 2890, "tea", 8),
    ("KK-T-MCK", "Kitchen Matcha, 100 g", 1690, "tea", 5),
    ("KK-T-DAR", "Darjeeling First Flush, 100 g", 1890, "tea", 5),
    ("KK-T-ASS", "Assam Breakfast, 200 g", 1290, "tea", 6),
    ("KK-T-EGR", "Earl Grey Bergamot, 100 g", 1090, "tea", 8),
    ("KK-T-OTG", "Oolong Tie Guan Yin, 75 g", 1790, "tea", 4),
    ("KK-T-DHP", "Da Hong Pao Rock Oolong, 50 g", 2290, "tea", 2),
    ("KK-T-PUE", "Ripe Pu-erh Cake, 100 g", 1990, "tea", 2),
    ("KK-T-JAS", "Jasmine Pearls, 50 g", 1590, "tea", 5),
    ("KK-T-WPE", "White Peony Bai Mu Dan, 50 g", 1390, "tea", 3),
    ("KK-T-ROO", "Rooibos Vanilla, 100 g", 890, "tea", 5),
    ("KK-T-CHA", "Chamomile Flowers, 50 g", 790, "tea", 4),
    ("KK-T-MIN", "Moroccan Mint, 100 g", 950, "tea", 4),
    ("KK-T-CHI", "Masala Chai Blend, 150 g", 1150, "tea", 5),
    ("KK-C-KYU", "Tokoname Kyusu Teapot, 300 ml", 6900, "ceramics", 2),
    ("KK-C-GAI", "Porcelain Gaiwan, 120 ml", 2900, "ceramics", 2),
    ("KK-C-CHW", "Matcha Bowl Chawan, Ash Glaze", 4500, "ceramics", 2),
    ("KK-C-CUP", "Stoneware Cups, Set of Two", 3400, "ceramics", 3),
    ("KK-C-POT", "Kiln Teapot, 800 ml", 5900, "ceramics", 2),
    ("KK-C-MUG", "Speckled Mug, 350 ml", 2400, "ceramics", 3),
    ("KK-C-CAD", "Tin Tea Caddy, 150 g", 1600, "accessories", 3),
    ("KK-A-WHI", "Bamboo Matcha Whisk (Chasen)", 1900, "accessories", 3),
    ("KK-A-SCO", "Bamboo Scoop (Chashaku)", 690, "accessories", 2),
    ("KK-A-STR", "Fine Mesh Strainer", 890, "accessories", 3),
    ("KK-A-TRI", "Cork Trivet", 990, "accessories", 1),
    ("KK-B-SAM", "Discovery Sampler, 8 Teas", 2900, "gifts", 4),
    ("KK-B-GFT", "Gift Box: Matcha Starter Set", 7900, "gifts", 2),
    ("KK-B-CRD", "Gift Card, 50 EUR", 5000, "gifts", 1),
]

FIRST_NAMES = [
    "Anna", "Lena", "Sophie", "Marie", "Laura", "Julia", "Hannah", "Lea", "Mia", "Emma",
    "Clara", "Johanna", "Katharina", "Sarah", "Paula", "Greta", "Ida", "Frieda", "Nora", "Ella",
    "Lukas", "Jonas", "Felix", "Leon", "Paul", "Maximilian", "Finn", "Elias", "Noah", "Ben",
    "Moritz", "Jan", "Tim", "David", "Simon", "Tobias", "Niklas", "Florian", "Matthias", "Stefan",
    "Jörg", "Jürgen", "Björn", "Özlem", "Zoë", "Chloé", "Amélie", "José", "Renée", "Søren",
    "Olivia", "James", "Charlotte", "Oliver", "Isabella", "Lucas", "Giulia", "Marco", "Elena", "Pablo",
    "Yuki", "Haruto", "Aiko", "Mei", "Aylin", "Mehmet", "Fatima", "Omar", "Ingrid", "Lars",
]

LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
    "Yılmaz", "Kaya", "Nowak", "Kowalski", "Rossi", "Bianchi", "García", "Martínez", "Dubois", "Lefèvre",
    "Janssen", "De Vries", "Smith", "Jones", "Taylor", "Brown", "Nielsen", "Andersson", "Tanaka", "Sato",
]

EMAIL_PROVIDERS = [
    ("gmail.example", 30), ("web.example", 15), ("gmx.example", 15), ("posteo.example", 6),
    ("outlook.example", 10), ("t-online.example", 8), ("icloud.example", 8), ("mailbox.example", 4),
]

# The shop's own zone dominates; the rest are where European (and a few overseas) buyers live.
TIMEZONES = [
    ("Europe/Berlin", 66), ("Europe/Vienna", 7), ("Europe/Zurich", 5), ("Europe/Amsterdam", 4),
    ("Europe/Paris", 4), ("Europe/London", 4), ("Europe/Copenhagen", 2), ("Europe/Madrid", 2),
    ("America/New_York", 2), ("Asia/Tokyo", 1), (None, 3),
]

TAGS = ["newsletter", "matcha-lover", "gift-buyer", "instagram", "market-stall", "wholesale", "teaware"]

SIGNUP_SOURCES = ["footer form", "checkout", "popup", "market stall", "instagram"]

ORDER_CHANNELS = ["web", "web", "web", "web", "mobile", "mobile", "market"]
