"""PNG character cards: an avatar drawn here (initials on a colour) carrying the card as text chunks.

SillyTavern (src/character-card-parser.js) and text-generation-webui ("Upload character" > TavernAI
PNG) read a card from PNG `tEXt` chunks holding base64 of the card's JSON (UTF-8):

    chara   the V2 card (spec "chara_card_v2")
    ccv3    the V3 card (spec "chara_card_v3", spec_version "3.0"); SillyTavern reads it first

The avatar is deterministic (colour from the name's hash), so the same card gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

SIZE = (400, 600)  # the portrait size SillyTavern's own cards use


def card_chunk(card: dict) -> str:
    """A card as a chunk's text: base64 of its compact UTF-8 JSON."""
    return base64.b64encode(json.dumps(card, ensure_ascii=False).encode("utf-8")).decode("ascii")


def v3_card(v2: dict) -> dict:
    """The V3 card: the V2 data plus V3's required `group_only_greetings` (character-card-spec-v3)."""
    return {"spec": "chara_card_v3", "spec_version": "3.0",
            "data": {**v2["data"], "group_only_greetings": []}}


def initials(name: str) -> str:
    words = re.findall(r"\w+", name)
    return "".join(w[0] for w in words[:2]).upper() or "?"


def avatar(name: str):
    """A PIL image: the name's initials, white, centred on a colour picked from the name."""
    import colorsys

    from PIL import Image, ImageDraw, ImageFont

    hue = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:2], "big") / 65536
    rgb = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.55, 0.62))
    image = Image.new("RGB", SIZE, rgb)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=170)  # Pillow's built-in FreeType font: no font file needed
    draw.text((SIZE[0] / 2, SIZE[1] / 2), initials(name), fill=(255, 255, 255), font=font, anchor="mm")
    return image


def write_png_card(path: Path, v2: dict) -> None:
    """Write the avatar of `v2`'s character to `path` with its `chara` (V2) and `ccv3` (V3) chunks."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("chara", card_chunk(v2))  # ASCII text: Pillow writes a plain tEXt chunk
    info.add_text("ccv3", card_chunk(v3_card(v2)))
    avatar(v2["data"]["name"]).save(path, format="PNG", pnginfo=info)

