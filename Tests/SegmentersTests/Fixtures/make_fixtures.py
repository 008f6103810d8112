"""Writes the real image the classical tool's coarse-voxel test runs on: dipy's anisotropic T2-weighted brain
(4 x 4 x 5 mm; dipy is BSD-licensed) as it ships, and its lateral ventricles' reference made by
docs/checks/real_images.py's rule (a threshold inside the eroded brain, the component nearest the centre).

    /tmp/venv/bin/python Tests/SegmentersTests/Fixtures/make_fixtures.py
"""
import os, shutil, sys, tempfile

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'docs', 'checks'))
import real_images  # noqa: E402

real_images.WHEELS = {'dipy==1.12.1': ['dipy/data/files/aniso_vox.nii.gz']}
with tempfile.TemporaryDirectory() as images:
    real_images.fetch(images)
    shutil.copy(os.path.join(images, 'aniso_vox.nii.gz'), os.path.join(here, 't2_aniso.nii.gz'))
    image, d = real_images.load(images, 'aniso_vox.nii.gz')
    brain = ndi.binary_fill_holes(real_images.largest(d > 120))
    ventricles = real_images.nearest_centre((d > 600) & ndi.binary_erosion(brain, iterations=2))
    label = nib.Nifti1Image(ventricles.astype(np.uint8), image.affine)
    label.set_qform(image.affine, 1)
    label.set_sform(image.affine, 1)
    nib.save(label, os.path.join(here, 't2_aniso_ventricles.nii.gz'))
