"""Writes the real images the classical tool's tests run on:
- dipy's anisotropic T2-weighted brain (4 x 4 x 5 mm; dipy is BSD-licensed) as it ships, and the references of its
  lateral ventricles and of one hemisphere made by docs/checks/real_images.py's rules (a threshold inside the eroded
  brain, the component nearest the centre; the brain's part on one side of its centre of mass);
- a 40 x 40 x 40 crop of pydeface's mean T1-weighted head (MIT-licensed), averaged over 2 x 2 x 2 voxels (2 mm) and
  halved into bytes, and its white matter's reference (the largest component above 160 in the crop);
- a crop of the same head at 1 mm around its left lateral ventricle, halved into bytes, and that ventricle's
  reference by docs/checks/real_images.py's rule;
- the same head skull-stripped and averaged to 2 mm as docs/checks/real_images.py makes it (`t1ss2_*`), cropped to
  the brain's box and halved into bytes, and the references of the white matter of its left hemisphere and of its
  lateral ventricles;
- TotalSegmentator's CT head atlas (Apache-2.0) averaged over 5 slices as docs/checks/real_images.py makes it
  (`ct5_*`, 1 x 1 x 5 mm), in a crop 32 mm (7 slices) beyond its left lateral ventricle, as far as the region a cut
  looks at, in whole HU, and that ventricle's reference.

    /tmp/venv/bin/python Tests/SegmentersTests/Fixtures/make_fixtures.py
"""
import os, shutil, sys, tempfile

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'docs', 'checks'))
import real_images  # noqa: E402

real_images.WHEELS = {'totalsegmentator==2.18.0': ['totalsegmentator/resources/ct_brain_atlas_1mm.nii.gz'],
                      'dipy==1.12.1': ['dipy/data/files/aniso_vox.nii.gz'],
                      'pydeface==2.1.0': ['pydeface/data/mean_reg2mean.nii.gz']}


def save(data, affine, name):
    image = nib.Nifti1Image(data, affine)
    image.set_qform(affine, 1)
    image.set_sform(affine, 1)
    nib.save(image, os.path.join(here, name))


with tempfile.TemporaryDirectory() as images:
    real_images.fetch(images)
    shutil.copy(os.path.join(images, 'aniso_vox.nii.gz'), os.path.join(here, 't2_aniso.nii.gz'))
    image, d = real_images.load(images, 'aniso_vox.nii.gz')
    brain = ndi.binary_fill_holes(real_images.largest(d > 120))
    ventricles = real_images.nearest_centre((d > 600) & ndi.binary_erosion(brain, iterations=2))
    save(ventricles.astype(np.uint8), image.affine, 't2_aniso_ventricles.nii.gz')
    save(real_images.left_part(brain).astype(np.uint8), image.affine, 't2_aniso_hemisphere.nii.gz')

    image, d = real_images.load(images, 'mean_reg2mean.nii.gz')
    shape = [n // 2 for n in d.shape]
    coarse = d[:2 * shape[0], :2 * shape[1], :2 * shape[2]].reshape(shape[0], 2, shape[1], 2, shape[2], 2).mean(axis=(1, 3, 5))
    lower = np.array([20, 25, 44])
    crop = np.clip(coarse[20:60, 25:65, 44:84] / 2, 0, 255).round().astype(np.uint8)
    affine = image.affine.copy()
    affine[:3, :3] *= 2
    affine[:3, 3] = image.affine[:3, :3] @ (2 * lower + 0.5) + image.affine[:3, 3]
    save(crop, affine, 't1_mean_crop.nii.gz')
    save(real_images.largest(crop > 160).astype(np.uint8), affine, 't1_mean_crop_wm.nii.gz')

    # The left lateral ventricle as real_images.py finds it, in a crop 12 voxels beyond its box.
    one = real_images.left_part(real_images.mean_t1_structures(d)[2])
    where = np.argwhere(one)
    lower, upper = where.min(axis=0) - 12, where.max(axis=0) + 13
    box = tuple(slice(a, b) for a, b in zip(lower, upper))
    affine = image.affine.copy()
    affine[:3, 3] = image.affine[:3, :3] @ lower + image.affine[:3, 3]
    save(np.clip(d[box] / 2, 0, 255).round().astype(np.uint8), affine, 't1_mean_ventricle.nii.gz')
    save(one[box].astype(np.uint8), affine, 't1_mean_ventricle_reference.nii.gz')

    # The skull-stripped head at 2 mm, as real_images.py derives it, in the box of the brain.
    brain, white, ventricles = real_images.mean_t1_structures(d)
    affine, coarse, (side, ventricles) = real_images.averaged(image, d * brain, [real_images.left_part(white), ventricles],
                                                              (2, 2, 2))
    where = np.argwhere(coarse > 0)
    lower, upper = where.min(axis=0), where.max(axis=0) + 1
    box = tuple(slice(a, b) for a, b in zip(lower, upper))
    affine[:3, 3] = affine[:3, :3] @ lower + affine[:3, 3]
    save(np.clip(coarse[box] / 2, 0, 255).round().astype(np.uint8), affine, 't1_stripped_2mm.nii.gz')
    save(side[box].astype(np.uint8), affine, 't1_stripped_2mm_wm_left.nii.gz')
    save(ventricles[box].astype(np.uint8), affine, 't1_stripped_2mm_ventricles.nii.gz')

    # The CT head at 5 mm slices, as real_images.py derives it, around its left lateral ventricle.
    image, d = real_images.load(images, 'ct_brain_atlas_1mm.nii.gz')
    ventricles = real_images.ct_head_structures(d)[1]
    affine, thick, (one,) = real_images.averaged(image, d, [real_images.left_part(ventricles)], (1, 1, 5))
    where = np.argwhere(one)
    lower = np.maximum(where.min(axis=0) - [32, 32, 7], 0)
    upper = np.minimum(where.max(axis=0) + [33, 33, 8], one.shape)
    box = tuple(slice(a, b) for a, b in zip(lower, upper))
    affine[:3, 3] = affine[:3, :3] @ lower + affine[:3, 3]
    save(np.round(thick[box]).astype(np.int16), affine, 'ct_5mm_ventricle.nii.gz')
    save(one[box].astype(np.uint8), affine, 'ct_5mm_ventricle_reference.nii.gz')
