from bot.mydata.masking import mask_number


def test_card_number_keeps_first_and_last_four():
    assert mask_number("1234567890125678") == "1234-****-****-5678"
    assert mask_number("1234-5678-9012-5678") == "1234-****-****-5678"


def test_account_numbers_of_other_lengths_are_masked():
    masked = mask_number("110-234-567890")
    assert masked.startswith("1102-") and masked.endswith("-7890") and "3456" not in masked
    assert mask_number("12345") == "*2345"
    assert mask_number("") == ""


def test_already_masked_input_is_never_unmasked():
    assert mask_number("9410-12**-****-3456") == "9410-****-****-3456"
