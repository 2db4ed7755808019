import pytest

from phoihop.core.scope import scoped
from phoihop.core.search import reindex, search_documents
from phoihop.core.text import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quảng Ninh", "quang ninh"),
        ("Đoàn Thanh niên", "doan thanh nien"),
        ("ĐẢNG ỦY Ễ Ơ Ạ", "dang uy e o a"),
        ("Thừa  Thiên\tHuế", "thua thien hue"),
    ],
)
def test_fold_removes_diacritics_and_d_stroke(text, folded):
    assert fold(text) == folded


def test_search_without_diacritics_finds_units(tree):
    titles = set(search_documents("quang ninh").values_list("title", flat=True))
    assert "Tỉnh Quảng Ninh" in titles
    assert "Phường Đông Triều" not in titles
    assert set(search_documents("dong trieu").values_list("title", flat=True)) >= {"Phường Đông Triều"}


def test_search_matches_word_prefixes(tree):
    assert "Hội Liên hiệp Phụ nữ tỉnh" in set(search_documents("phu nu").values_list("title", flat=True))
    assert "Hội Liên hiệp Phụ nữ tỉnh" in set(search_documents("lien hie").values_list("title", flat=True))


def test_renamed_unit_is_reindexed(tree, province_admin):
    from phoihop.orgs import services

    services.unit_update(actor=province_admin, unit=tree["hlhpn"], name="Hội Phụ nữ Quảng Ninh")
    assert not search_documents("lien hiep").exists()
    assert search_documents("hoi phu nu quang").exists()


def test_search_results_are_scoped(tree, commune_officer):
    visible = scoped(search_documents("ubnd"), commune_officer, via="unit")
    assert list(visible.values_list("title", flat=True)) == ["UBND phường An Sinh"]


def test_reindex_rebuilds_every_document(tree):
    from phoihop.core.models import SearchDocument

    SearchDocument.objects.all().delete()
    assert reindex() == 10
    assert search_documents("an sinh").count() == 3
