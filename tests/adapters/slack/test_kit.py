"""Block Kit pieces within Slack's limits: cuts with an ellipsis, whole entities, any options."""

from __future__ import annotations

from bot.adapters.slack import kit
from tests.adapters.slack import block_kit


def test_labels_go_past_z() -> None:
    assert [kit.label(i) for i in (0, 9, 10, 25, 26, 27, 51, 52)] == [
        "A", "J", "K", "Z", "AA", "AB", "AZ", "BA"
    ]  # fmt: skip
    assert len({kit.label(i) for i in range(100)}) == 100


def test_cut_keeps_entities_whole_and_marks_the_cut() -> None:
    text = kit.mrkdwn("<" * 2000, 3000)  # 8,000 escaped characters
    assert text.endswith("&lt;…") and len(text) <= 3000
    assert block_kit.mrkdwn_text(text, "t") == []
    assert kit.mrkdwn("short", 10) == "short"


def test_literal_neither_styles_nor_pings() -> None:
    shown = kit.literal("*Ann* _x_ ~y~ `z` <!here>\nnext")
    for mark in ("*Ann*", "_x_", "~y~", "`z`", "<!here>", "\n"):
        assert mark not in shown
    assert shown.replace("\u200b", "") == "*Ann* _x_ ~y~ `z` &lt;!here&gt; next"


def test_button_rows_keep_every_button() -> None:
    buttons = [kit.button(f"{i}", f"a.{i}", str(i)) for i in range(60)]
    rows = kit.button_rows(buttons, "options")
    assert [len(r["elements"]) for r in rows] == [25, 25, 10]
    assert [r["block_id"] for r in rows] == ["options", "options.2", "options.3"]
    assert block_kit.blocks(rows, "blocks", 50) == []


def test_sections_pack_lines_without_losing_any() -> None:
    lines = [f"• deck {i} " + "&lt;" * 100 for i in range(100)]
    blocks = kit.sections(lines)
    assert block_kit.blocks(blocks, "blocks", 100) == []
    assert "\n".join(b["text"]["text"] for b in blocks).split("\n") == lines


def test_fit_says_what_was_left_out() -> None:
    blocks = [kit.section(str(i)) for i in range(120)]
    kept = kit.fit(blocks, 100, "more")
    assert len(kept) == 100 and kept[-1]["elements"][0]["text"] == "more"
    assert kit.fit(blocks[:3], 100, "more") == blocks[:3]
