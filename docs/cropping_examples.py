"""Make the constructed images behind docs/cropping.md (no photographs, nothing about people).

    python docs/cropping_examples.py OUT

writes ``OUT/scene.png`` (a wide scene: one small high-contrast disc on the left, a row of
medium-contrast figures on the right) and ``OUT/groups/`` (``groups.csv`` plus 3 × 25 images:
``small-bright`` discs, ``large-dim`` discs and ``plain`` backgrounds). Deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def background(rng, height: int, width: int) -> np.ndarray:
    """A smooth low-contrast greenish texture."""
    noise = rng.normal(0, 1, (max(height // 8, 2), max(width // 8, 2)))
    scaled = ((noise - noise.min()) / np.ptp(noise) * 255).astype(np.uint8)
    texture = np.asarray(Image.fromarray(scaled).resize((width, height), Image.Resampling.BICUBIC),
                         dtype=float)
    base = rng.uniform(90, 120)
    rgb = np.stack([base + 0.12 * texture, base + 10 + 0.12 * texture,
                    base - 10 + 0.12 * texture], axis=2)
    return rgb.clip(0, 255).astype(np.uint8)


def scene(seed: int = 0, height: int = 300, width: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(background(rng, height, width))
    draw = ImageDraw.Draw(image)
    draw.ellipse([70, 60, 110, 100], fill=(250, 250, 250), outline=(10, 10, 10), width=4)
    for k in range(5):
        x = 360 + 45 * k
        draw.rectangle([x, 170, x + 28, 250], fill=(200, 160, 120))
        draw.ellipse([x + 2, 140, x + 26, 166], fill=(210, 170, 130))
    return np.asarray(image)


def disc(rng, radius, grey, height: int = 128, width: int = 96) -> np.ndarray:
    """A grey disc of random radius and brightness at a random place on the texture."""
    image = Image.fromarray(background(rng, height, width))
    r, g = rng.uniform(*radius), int(rng.uniform(*grey))
    cx, cy = rng.uniform(r + 12, width - r - 12), rng.uniform(r + 12, height - r - 12)
    ImageDraw.Draw(image).ellipse([cx - r, cy - r, cx + r, cy + r], fill=(g, g, g))
    return np.asarray(image)


GROUPS = {
    "small-bright": lambda rng: disc(rng, (5, 8), (190, 240)),
    "large-dim": lambda rng: disc(rng, (8, 14), (170, 225)),
    "plain": lambda rng: background(rng, 128, 96),
}


def main(out: Path, per_group: int = 25):
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(scene()).save(out / "scene.png")
    folder = out / "groups"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    lines = ["path,group"]
    for group, make in GROUPS.items():
        for k in range(per_group):
            name = f"{group}-{k:02d}.png"
            Image.fromarray(make(rng)).save(folder / name)
            lines.append(f"{name},{group}")
    (folder / "groups.csv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python docs/cropping_examples.py OUT")
    main(Path(sys.argv[1]))
