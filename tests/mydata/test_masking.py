import re

import pytest

from bot.mydata.masking import mask_number


def _visible_digits(masked: str) -> str:
    return re.sub(r"[^0-9]", "", masked)


@pytest.mark.parametrize("number", [
    "1234567890",                # 10 digits
    "12345678901",               # 11 digits: the old form showed 8 of them
    "110-23-456789",             # bank layout 3-2-6
    "110-2345-678901",           # 13 digits
    "1234-5678-9012-34",         # 14 digits
    "123456789012345",           # 15 digits
    "1234567890125678",          # 16 digits
    "1234-5678-9012-5678",
])
def test_only_the_last_four_digits_stay(number):
    masked = mask_number(number)
    digits = re.sub(r"[^0-9]", "", number)
    assert _visible_digits(masked) == digits[-4:]
    assert masked == f"****-{digits[-4:]}"
    assert digits[:4] not in masked.replace(digits[-4:], "")


def test_short_numbers_show_at_most_half():
    assert mask_number("12345") == "****-45"
    assert mask_number("1234") == "****-34"
    assert mask_number("123") == "****-3"
    assert mask_number("1") == "****"
    assert mask_number("12345678") == "****-5678"
    assert mask_number("") == "" and mask_number(None) == ""
    assert mask_number("no digits") == "****"


def test_already_masked_input_is_never_unmasked_and_masking_is_stable():
    assert mask_number("9410-12**-****-3456") == "****-3456"
    assert mask_number("941012******3456") == "****-3456"
    assert mask_number("123-45**-****") == "****"
    for number in ("110-234-567890", "12345", "1234567890125678"):
        once = mask_number(number)
        assert mask_number(once) == once


def test_no_other_masking_helper_in_the_product():
    """Every account number the product shows goes through mask_number (grep for a second home)."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in list((root / "bot").rglob("*.py")) + list((root / "actions").rglob("*.py")):
        if path.name == "masking.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"def \w*mask\w*\(", text) or re.search(r'"\*" \* ', text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
