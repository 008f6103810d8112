"""Drives `termlabel serve` with MONAI Label's own Python client, as 3D Slicer's plug-in does.

Run outside CI, in a virtual environment with `pip install monailabel --no-deps requests numpy nibabel`:

    termlabel samples --out /tmp/served        # or any study folder
    termlabel serve /tmp/served/ct-abdomen --port 8123 &
    python docs/checks/monailabel_client.py http://127.0.0.1:8123

Every step prints what it got; a step that fails raises, so the script ends with "all steps passed" or a trace.
With --dice (no training, nothing saved): for every study with a final label, one click on the voxel of the label
nearest its centre, sent to Clicks+GraphCut, and the answer's Dice against that label, as a Slicer user would see it.
"""
import json
import os
import sys
import tempfile
import time
import urllib.request

import nibabel as nib
import numpy as np
from monailabel.client import MONAILabelClient

arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
server = arguments[0] if arguments else "http://127.0.0.1:8000"
client = MONAILabelClient(server, tmpdir=tempfile.mkdtemp(), client_id="slicer-user")
work = tempfile.mkdtemp()


def step(name, value):
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    print(f"{name}: {text[:300]}")


if "--dice" in sys.argv:
    objects = client.datastore()["objects"]
    for image_id, entry in sorted(objects.items()):
        if "final" not in entry["labels"]:
            continue
        truth = nib.load(client.download_label(image_id, "final"))
        data = np.asarray(truth.dataobj).astype(np.int64)
        for value in sorted(set(np.unique(data)) - {0}):
            inside = np.argwhere(data == value)
            click = inside[np.argmin(((inside - inside.mean(axis=0)) ** 2).sum(axis=1))].tolist()
            started = time.time()
            result, params = client.infer("Clicks+GraphCut", image_id, {"foreground": [click], "background": []})
            answer = np.asarray(nib.load(result).dataobj) > 0
            wanted = data == value
            dice = 2 * (answer & wanted).sum() / max(1, answer.sum() + wanted.sum())
            step(f"{image_id} label {value}", {"click": click, "dice": round(float(dice), 3), "seconds": round(time.time() - started, 2),
                                               "voxels": int(wanted.sum())})
    sys.exit(0)

info = client.info()
step("info models", {k: v["type"] for k, v in info["models"].items()})
step("info labels", info["labels"])
step("info datastore", info["datastore"])

sample = client.next_sample("random", {})
step("next_sample", sample)
image_id = sample["id"]

# The image as the plug-in downloads it, to place clicks and scribbles in its voxel grid.
with urllib.request.urlopen(f"{server}/datastore/image?image={image_id}") as response:
    image_path = os.path.join(work, f"{image_id}.nii.gz")
    open(image_path, "wb").write(response.read())
image = nib.load(image_path)
shape = image.shape
step("downloaded image", {"shape": shape, "bytes": os.path.getsize(image_path)})
centre = [s // 2 for s in shape]

# Classical clicks (DeepGrow type): one foreground click in the middle of the volume.
result, params = client.infer("Clicks+GraphCut", image_id, {"foreground": [centre], "background": []})
label = nib.load(result)
assert label.shape == shape, (label.shape, shape)
assert np.allclose(label.affine, image.affine, atol=1e-4)
step("infer Clicks+GraphCut", {"file": os.path.basename(result), "voxels": int((np.asarray(label.dataobj) > 0).sum()), "params": params})

# Scribbles: foreground 3 in a small cube at the centre, background 2 along the volume's border.
scribbles = np.zeros(shape, dtype=np.uint8)
c = centre
scribbles[c[0] - 2:c[0] + 3, c[1] - 2:c[1] + 3, c[2] - 1:c[2] + 2] = 3
scribbles[:3, :, c[2]] = 2
scribbles[-3:, :, c[2]] = 2
scribble_path = os.path.join(work, "scribbles.nii.gz")
nib.save(nib.Nifti1Image(scribbles, image.affine), scribble_path)
result, params = client.infer("Histogram+GraphCut", image_id, {}, label_in=scribble_path)
label = nib.load(result)
assert label.shape == shape
step("infer Histogram+GraphCut", {"voxels": int((np.asarray(label.dataobj) > 0).sum()), "params": params})

# The same answer as NRRD, as the Slicer plug-in asks for it.
result, params = client.infer("Clicks+GraphCut", image_id, {"foreground": [centre], "result_extension": ".nrrd"})
head = open(result, "rb").read(8)
assert head.startswith(b"NRRD"), head
step("infer Clicks+GraphCut as NRRD", {"file": os.path.basename(result), "bytes": os.path.getsize(result)})

# Save the answer as the final label: a new version in the study list, by this client.
saved = client.save_label(image_id, result, params={"label_info": [{"name": "liver", "idx": 1}]})
step("save_label", saved)

# Upload a new image (a copy of the downloaded one under a new id).
uploaded = client.upload_image(image_path, image_id=f"uploaded_{int(time.time())}")
step("upload_image", uploaded)
step("datastore after upload", client.datastore()["objects"].keys())

# Training: start a short DeepGrow 3D run, watch it, then let a second one start and stop it.
started = client.train_start("deepgrow_3d", {"max_epochs": 1, "steps_per_epoch": 4})
step("train_start", {k: started[k] for k in ("id", "status", "start_ts")})
while True:
    status = client.train_status()
    if status["status"] != "RUNNING":
        break
    time.sleep(2)
step("train_status (finished)", {k: status.get(k) for k in ("status", "result", "end_ts")})
step("train_status check_if_running", client.train_status(check_if_running=True))

info = client.info()
step("info models after training", {k: v["type"] for k, v in info["models"].items()})
result, params = client.infer("deepgrow_3d", image_id, {"foreground": [centre], "background": []})
label = nib.load(result)
assert label.shape == shape
step("infer deepgrow_3d", {"voxels": int((np.asarray(label.dataobj) > 0).sum()), "params": params})

started = client.train_start("deepgrow_3d", {"max_epochs": 50, "steps_per_epoch": 20})
step("train_start (long)", started["status"])
time.sleep(3)
step("train_stop", {k: v for k, v in client.train_stop().items() if k in ("status", "end_ts")})
print("all steps passed")
