"""Rebuilds engine/render/templates/letter.docx (the DOCX letters' styles) after a style change."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.render.docx_template import TEMPLATE, build_template  # noqa: E402

TEMPLATE.write_bytes(build_template())
print(f"已写入 {TEMPLATE}")
