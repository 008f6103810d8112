# Makes the extra NIfTI conformance fixtures beside this script and what nibabel reads from them
# (expected.json, the same fields as the shared set). Run once with nibabel installed; the tests only read
# the files it leaves.
import numpy as np, nibabel as nib, json, os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
from nibabel.orientations import aff2axcodes
rng = np.random.default_rng(3)
def rot(ax, ay, az):
    cx,sx,cy,sy,cz,sz = np.cos(ax),np.sin(ax),np.cos(ay),np.sin(ay),np.cos(az),np.sin(az)
    Rx=np.array([[1,0,0],[0,cx,-sx],[0,sx,cx]]);Ry=np.array([[cy,0,sy],[0,1,0],[-sy,0,cy]]);Rz=np.array([[cz,-sz,0],[sz,cz,0],[0,0,1]])
    return Rz@Ry@Rx
cases = []
def save(name, data, aff, cls=nib.Nifti1Image, sform=2, qform=1, slope=None, inter=None, dtype=None, endian=None, qaff=None):
    hdr = cls.header_class(endianness=endian) if endian else None
    img = cls(data, None, header=hdr, dtype=data.dtype)
    if dtype: img.set_data_dtype(dtype)
    if aff is not None: img.set_sform(aff, sform)
    else: img.set_sform(np.eye(4), 0)
    if qaff is not None: img.set_qform(qaff, qform)
    elif qform: img.set_qform(aff, qform)
    else: img.set_qform(None, 0)
    if slope is not None: img.header.set_slope_inter(slope, inter)
    nib.save(img, name); cases.append(name)
A = np.diag([0.7,0.9,3.0,1]); A[:3,3]=[10,-20,30]
save('u32.nii.gz', rng.integers(0, 4e9, (11,13,7)).astype(np.uint32), A)
save('i64.nii', rng.integers(-1e6, 1e6, (9,8,7)).astype(np.int64), A)
save('u64.nii.gz', rng.integers(0, 1e6, (9,8,7)).astype(np.uint64), A)
B = np.eye(4); B[:3,:3] = rot(0.3, -0.4, 2.5) @ np.diag([1.1, 0.8, 2.2]); B[:3,3] = [5,6,7]
save('f64_be_oblique.nii', rng.normal(0, 100, (12,10,9)), B, endian='>')
C = np.eye(4); C[:3,:3] = np.array([[0,0,-1.5],[0,-1.2,0],[-0.9,0,0]]); C[:3,3]=[1,2,3]
save('i16_ipl_qonly.nii.gz', rng.integers(-500,500,(14,15,16)).astype(np.int16), None, sform=0, qform=1, qaff=C)
save('u8_nocodes.nii', rng.integers(0,255,(10,11,12)).astype(np.uint8), None, sform=0, qform=0)
save('f32_scaled.nii.gz', rng.normal(0,1,(10,10,10)).astype(np.float32), A, slope=2.5, inter=-3.0)
save('i16_5d.nii.gz', rng.integers(-10,10,(6,5,4,3,2)).astype(np.int16), A)
save('n2_u16_lai.nii.gz', rng.integers(0,60000,(9,10,11)).astype(np.uint16), np.array([[-2,0,0,1],[0,0,-1,2],[0,1.5,0,3],[0,0,0,1.]]), cls=nib.Nifti2Image)
save('i8_4d_lps.nii', rng.integers(-128,127,(7,6,5,4)).astype(np.int8), np.diag([-1,-1,1,1.]))
# analyze-style pair
img = nib.Nifti1Pair(rng.integers(0,1000,(8,9,10)).astype(np.int16), A); nib.save(img, 'pair.img'); cases.append('pair.hdr')

def case(c):
    im = nib.load(c); d = im.get_fdata(); h = im.header
    flat = d.reshape(-1, order='F')
    idx = np.linspace(0, flat.size - 1, 16).astype(int)
    # The scaling nibabel applies (its loaded header no longer carries it; the array proxy does).
    slope, inter = float(im.dataobj.slope), float(im.dataobj.inter)
    return {"format": "nifti2" if isinstance(im, (nib.Nifti2Image, nib.Nifti2Pair)) else "nifti1",
            "shape": list(im.shape), "datatype": str(im.get_data_dtype()), "datatype_code": int(h['datatype']),
            "zooms": [float(z) for z in h.get_zooms()], "affine": im.affine.tolist(),
            "sform_code": int(h['sform_code']), "qform_code": int(h['qform_code']),
            "scl_slope": slope, "scl_inter": inter,
            "axcodes": list(aff2axcodes(im.affine)), "canonical_shape": list(nib.as_closest_canonical(im).shape),
            "sum": float(d.sum()), "sum_sq": float((d * d).sum()), "min": float(d.min()), "max": float(d.max()),
            "samples_fortran_order": {str(i): float(flat[i]) for i in idx}}
cases_out = {c: case(c) for c in cases}
json.dump({"generator": "nibabel " + nib.__version__, "seed": 3, "cases": cases_out}, open('expected.json', 'w'), indent=1)
