# 12 small images and a CSV of 1-based fixations (subject, image, col, row), people looking
# near each image's bright spot; one fixation lands outside its image. Run it in an empty folder.
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

rng = np.random.default_rng(0)
Path("img").mkdir(exist_ok=True)
rows = []
for i in range(12):
    cx, cy = rng.uniform(20, 108), rng.uniform(15, 81)
    yy, xx = np.mgrid[0:96, 0:128]
    spot = 255 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 200)
    Image.fromarray(spot.astype(np.uint8)).save(f"img/scene{i + 1}.png")
    for subject in ("ann", "bob", "cid"):
        for _ in range(5):
            rows.append((subject, f"scene{i + 1}", cx + rng.normal(0, 6) + 1, cy + rng.normal(0, 6) + 1))
rows.append(("cid", "scene3", 131.0, 40.0))  # beyond the 128-pixel width
pd.DataFrame(rows, columns=["subject", "image", "col", "row"]).round(1).to_csv("fix.csv", index=False)
