"""Headers and yes/no words in the languages a European shop's own spreadsheets are written in."""

from __future__ import annotations

import json

import pytest
from import_helpers import customer

from lifecycle_tui.importers.formats import canonical_name
from lifecycle_tui.importers.generic import column_fields
from lifecycle_tui.importers.header_words import fold
from lifecycle_tui.importers.values import flag, status
from lifecycle_tui.store import settings


def test_a_german_customers_file_as_a_shop_in_berlin_writes_it(tmp_path, store, run_import):
    src = tmp_path / "kunden.csv"
    src.write_bytes("\ufeffKundennummer;E-Mail-Adresse;Vorname;Nachname;Handy;Geburtsdatum;Newsletter;Lieblingstee\n"
                    "K-1;anna@example.de;Anna;Müller;0171 1234567;12.03.1988;ja;Sencha\n"
                    "K-2;bernd@example.de;Bernd;Schmidt;;;nein;\n".encode())
    report = run_import(src, "customers")
    assert report.rejected_total == 0 and report.unknown_columns == ["Lieblingstee"]
    anna, bernd = customer(store, "K-1"), customer(store, "K-2")
    assert (anna["customer_id"], anna["first_name"], anna["last_name"], anna["phone"], anna["birthday"],
            anna["accepts_email"]) == ("K-1", "Anna", "Müller", "0171 1234567", "1988-03-12", 1)
    assert json.loads(anna["attributes"]) == {"lieblingstee": "Sencha"}
    assert (bernd["customer_id"], bernd["accepts_email"]) == ("K-2", 0)


def test_a_german_orders_file_with_accented_and_folded_headers(tmp_path, store, run_import):
    src = tmp_path / "bestellungen.csv"
    src.write_text("Bestellnummer;E-Mail;Datum;Betrag;Währung;Bestellstatus\n"
                   "B-100;anna@example.de;2025-10-07 09:50:26;1.234,50;EUR;paid\n", encoding="utf-8")
    report = run_import(src, "orders")
    assert report.inserted == 1 and report.unknown_columns == []
    row = store.conn.execute("SELECT order_id, placed_at, total_cents, currency, status FROM orders").fetchone()
    assert tuple(row) == ("B-100", "2025-10-07T09:50:26+00:00", 123450, "EUR", "paid")


def test_nom_beside_prenom_is_the_last_name_and_nombre_alone_the_full_name(tmp_path, store, run_import):
    settings.set_value(store, "import.date_order", "dmy")
    fr = tmp_path / "clients.csv"
    fr.write_text("Prénom;Nom;Courriel;Téléphone;Date de naissance\nJean;Dupont;jean@example.fr;06 12 34 56 78;02/03/1980\n")
    assert run_import(fr, "customers").unknown_columns == []
    jean = customer(store, "jean@example.fr")
    assert (jean["first_name"], jean["last_name"], jean["phone"], jean["birthday"]) == ("Jean", "Dupont", "06 12 34 56 78", "1980-03-02")
    es = tmp_path / "clientes.csv"
    es.write_text("Nombre,Correo electrónico\nAna María López,ana@example.es\n")
    assert run_import(es, "customers").unknown_columns == []
    ana = customer(store, "ana@example.es")
    assert (ana["first_name"], ana["last_name"]) == ("Ana", "María López")


@pytest.mark.parametrize("header, fields", [
    (["Nombre", "Apellidos", "Correo"], ["first_name", "last_name", "email"]),
    (["Nome", "Cognome", "Cellulare"], ["first_name", "last_name", "phone"]),
    (["Voornaam", "Achternaam", "Telefoonnummer", "Geboortedatum"], ["first_name", "last_name", "phone", "birthday"]),
    (["Nom", "Courriel"], ["name", "email"]),  # alone: the full name, split at the first space
    (["Naam", "E-mail"], ["name", "email"]),
])
def test_name_words_depend_on_the_columns_beside_them(header, fields):
    assert column_fields("customers", header) == fields


def test_local_words_map_only_to_fields_of_the_file_kind():
    assert canonical_name("orders", "Datum") == "placed_at"
    assert canonical_name("events", "Datum") == "occurred_at"
    assert canonical_name("customers", "Datum") == "datum"  # a customers file keeps it as an attribute
    assert canonical_name("customers", "Statut") == "statut"
    assert column_fields("orders", ["Nom", "Montant"]) == [None, "total"]


def test_accents_fold_for_matching_only():
    assert fold("währung") == "wahrung" and fold("prénom") == "prenom" and fold("straße") == "strasse"
    assert canonical_name("customers", "Lieblings-Café") == "lieblings_café"  # an attribute keeps its spelling


@pytest.mark.parametrize("word, value", [("ja", 1), ("Nein", 0), ("oui", 1), ("NON", 0), ("sí", 1), ("nee", 0),
                                         ("Angemeldet", 1), ("nicht angemeldet", 0)])
def test_yes_and_no_in_the_shop_s_language(word, value):
    assert flag(word) == value


@pytest.mark.parametrize("word, ours", [("bezahlt", "paid"), ("Storniert", "cancelled"), ("zurückerstattet", "refunded"),
                                        ("Versendet", "fulfilled"), ("Annulée", "cancelled"), ("remboursé", "refunded"),
                                        ("En attente", "pending"), ("Reembolsado", "refunded"), ("geannuleerd", "cancelled"),
                                        ("annullato", "cancelled")])
def test_order_statuses_in_the_shop_s_language(word, ours):
    assert status(word) == ours


def test_an_unknown_status_is_still_refused_with_ours_listed():
    with pytest.raises(ValueError, match="unknown order status 'verloren' .expected one of paid, fulfilled"):
        status("verloren")
