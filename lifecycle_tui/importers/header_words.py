"""Header words (and order status words) of the languages a European shop's own spreadsheets are written in.

A shop in Berlin, Lyon, Madrid, Utrecht or Turin exports its customers as ``Vorname;Nachname``
or ``Prénom;Nom``: these map onto the generic fields as the English spellings in
:mod:`formats` do. Keys are normalised headers (``reader.normalise_header``) with accents
folded (:func:`fold`), so ``Währung``, ``Wahrung`` and ``waehrung`` all match. Only words that
name one field without doubt map directly; the name words of :data:`PAIRED_NAMES` depend on
the columns beside them (``generic.column_fields``).
"""

from __future__ import annotations

import unicodedata

LOCAL_ALIASES = {
    # German
    "kundennummer": "customer_id", "kunden_nr": "customer_id", "kundennr": "customer_id", "kunden_id": "customer_id",
    "e_mail_adresse": "email", "email_adresse": "email", "emailadresse": "email",
    "telefon": "phone", "telefonnummer": "phone", "handy": "phone", "handynummer": "phone", "mobil": "phone",
    "mobilnummer": "phone", "mobiltelefon": "phone",
    "vorname": "first_name", "nachname": "last_name", "familienname": "last_name",
    "geburtstag": "birthday", "geburtsdatum": "birthday",
    "registriert_am": "created_at", "anmeldedatum": "created_at", "kunde_seit": "created_at",
    "newsletter": "accepts_email", "newsletter_opt_in": "accepts_email", "zeitzone": "timezone",
    "bestellnummer": "order_id", "bestell_nr": "order_id", "bestellnr": "order_id", "bestelldatum": "placed_at",
    "betrag": "total", "gesamtbetrag": "total", "summe": "total", "gesamtsumme": "total", "bestellwert": "total",
    "wahrung": "currency", "waehrung": "currency", "bestellstatus": "status",
    "ereignis": "type", "ereignistyp": "type", "zeitpunkt": "occurred_at",
    # French
    "numero_client": "customer_id", "n_client": "customer_id", "id_client": "customer_id",
    "identifiant_client": "customer_id", "courriel": "email", "adresse_e_mail": "email", "adresse_email": "email",
    "portable": "phone", "numero_de_telephone": "phone", "prenom": "first_name", "nom_de_famille": "last_name",
    "date_de_naissance": "birthday", "date_d_inscription": "created_at", "date_inscription": "created_at",
    "fuseau_horaire": "timezone", "numero_de_commande": "order_id", "n_commande": "order_id",
    "date_de_commande": "placed_at", "date_commande": "placed_at", "montant": "total", "montant_total": "total",
    "total_ttc": "total", "devise": "currency", "statut": "status",
    # Spanish
    "id_cliente": "customer_id", "numero_de_cliente": "customer_id", "correo": "email",
    "correo_electronico": "email", "telefono": "phone", "movil": "phone", "celular": "phone",
    "apellido": "last_name", "apellidos": "last_name",
    "fecha_de_nacimiento": "birthday", "fecha_de_registro": "created_at", "zona_horaria": "timezone",
    "numero_de_pedido": "order_id", "id_pedido": "order_id", "fecha_de_pedido": "placed_at",
    "fecha_pedido": "placed_at", "importe": "total", "importe_total": "total", "monto": "total",
    "moneda": "currency", "divisa": "currency", "estado": "status",
    # Dutch
    "klantnummer": "customer_id", "voornaam": "first_name", "achternaam": "last_name",
    "telefoonnummer": "phone", "telefoon": "phone", "mobiel": "phone", "geboortedatum": "birthday",
    "bestelnummer": "order_id", "besteldatum": "placed_at", "bedrag": "total", "totaal": "total",
    "valuta": "currency",
    # Italian
    "codice_cliente": "customer_id", "cognome": "last_name", "cellulare": "phone",
    "data_di_nascita": "birthday", "numero_ordine": "order_id", "data_ordine": "placed_at",
    "importo": "total", "stato": "status",
}
# Words whose field depends on the file: the date of an order is when it was placed, of an
# event when it happened.
LOCAL_KIND_ALIASES = {
    "customers": {"naam": "name", "volledige_naam": "name", "nom_complet": "name", "nombre_completo": "name",
                  "nome_completo": "name", "vollstandiger_name": "name"},
    "orders": {"datum": "placed_at", "fecha": "placed_at", "data": "placed_at"},
    "events": {"datum": "occurred_at", "fecha": "occurred_at", "data": "occurred_at"},
}
# A customers file's name words that are half of a name beside the other half ("Nom" beside
# "Prénom" is the last name, "Nombre" beside "Apellidos" the first) and the full name alone.
PAIRED_NAMES = {"nom": "last_name", "nombre": "first_name", "nome": "first_name"}

# Order statuses as a shop's own system writes them (keys folded, spaces as "_"): onto
# ours (values.STATUSES). Cancelled and refunded are the ones that matter most: they never
# count as purchases.
LOCAL_STATUSES = {
    # German
    "bezahlt": "paid", "in_bearbeitung": "paid", "versendet": "fulfilled", "verschickt": "fulfilled",
    "geliefert": "fulfilled", "zugestellt": "fulfilled", "abgeschlossen": "fulfilled", "erledigt": "fulfilled",
    "offen": "pending", "ausstehend": "pending", "storniert": "cancelled", "abgebrochen": "cancelled",
    "erstattet": "refunded", "ruckerstattet": "refunded", "zuruckerstattet": "refunded",
    # French
    "payee": "paid", "paye": "paid", "en_cours": "paid", "expediee": "fulfilled", "expedie": "fulfilled",
    "livree": "fulfilled", "livre": "fulfilled", "terminee": "fulfilled", "en_attente": "pending",
    "annulee": "cancelled", "annule": "cancelled", "remboursee": "refunded", "rembourse": "refunded",
    # Spanish
    "pagado": "paid", "pagada": "paid", "enviado": "fulfilled", "entregado": "fulfilled",
    "completado": "fulfilled", "pendiente": "pending", "cancelado": "cancelled", "cancelada": "cancelled",
    "reembolsado": "refunded", "reembolsada": "refunded",
    # Dutch
    "betaald": "paid", "verzonden": "fulfilled", "geleverd": "fulfilled", "voltooid": "fulfilled",
    "in_afwachting": "pending", "geannuleerd": "cancelled", "terugbetaald": "refunded",
    # Italian
    "pagato": "paid", "spedito": "fulfilled", "consegnato": "fulfilled", "completato": "fulfilled",
    "in_attesa": "pending", "annullato": "cancelled", "rimborsato": "refunded",
}


def fold(name: str) -> str:
    """``"währung"`` -> ``"wahrung"``, ``"prénom"`` -> ``"prenom"``, ``"straße"`` -> ``"strasse"``."""
    if name.isascii():
        return name
    decomposed = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
