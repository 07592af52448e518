# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin binding of the C engine (csrc/zfpc.h): buffers in, bytes out.

Arguments are checked once, by the Python layer (zfpcodec.api); this module
only moves pointers, shapes and strides into C and releases the GIL around
all C work.  NumPy axis order is reversed here: the last axis is zfp's x.
"""

from cpython.buffer cimport (PyObject_GetBuffer, PyBuffer_Release,
                             PyBUF_RECORDS_RO, PyBUF_RECORDS,
                             PyBUF_C_CONTIGUOUS)
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF
from libc.stdint cimport uint32_t, int32_t, uint64_t

from zfpcodec.errors import ZFPError


cdef extern from "Python.h":
    int _PyBytes_Resize(PyObject **string, Py_ssize_t newsize) except -1


cdef extern from *:
    """
    #if defined(__linux__)
    #include <stdint.h>
    #include <sys/mman.h>
    #endif
    /* Ask Linux to back the 2 MiB-aligned inside of a large fresh buffer
     * with huge pages (as NumPy does for its arrays): far fewer page faults
     * when the coder first writes it.  Advice only; errors are harmless. */
    static void advise_huge_pages(void *p, size_t n)
    {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
      const uintptr_t huge = (uintptr_t)1 << 21;
      uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
      uintptr_t end = ((uintptr_t)p + n) & ~(huge - 1);
      if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
    #else
      (void)p; (void)n;
    #endif
    }
    """
    void advise_huge_pages(void *p, size_t n) nogil


cdef extern from "zfpc.h" nogil:
    ctypedef enum zfpc_type:
        pass
    ctypedef enum zfpc_mode:
        pass
    ctypedef enum zfpc_status:
        ZFPC_OK
        ZFPC_ERR_PARAMS
        ZFPC_ERR_FIELD
        ZFPC_ERR_HEADER_SIZE
        ZFPC_ERR_HEADER
        ZFPC_ERR_TRUNCATED
        ZFPC_ERR_OUTPUT_FULL
        ZFPC_ERR_TOO_LARGE
        ZFPC_ERR_NOMEM

    ctypedef struct zfpc_params:
        uint32_t minbits
        uint32_t maxbits
        uint32_t maxprec
        int32_t minexp

    ctypedef struct zfpc_field:
        zfpc_type type
        unsigned dims
        size_t n[4]
        Py_ssize_t stride[4]
        void *data
        int byteswap

    ctypedef struct zfpc_report:
        uint64_t nonfinite_blocks
        uint64_t range_blocks

    ctypedef struct zfpc_header:
        zfpc_type type
        unsigned dims
        size_t n[4]
        zfpc_params params
        size_t bits

    const char *zfpc_status_message(zfpc_status status)
    zfpc_status zfpc_params_rate(zfpc_params *p, double rate,
                                 zfpc_type clamp_type, unsigned dims)
    void zfpc_params_precision(zfpc_params *p, uint32_t precision)
    void zfpc_params_accuracy(zfpc_params *p, double tolerance)
    void zfpc_params_reversible(zfpc_params *p)
    zfpc_status zfpc_params_expert(zfpc_params *p, uint32_t minbits,
                                   uint32_t maxbits, uint32_t maxprec,
                                   int32_t minexp)
    zfpc_mode zfpc_params_mode(const zfpc_params *p)
    size_t zfpc_header_bits(const zfpc_params *p)
    zfpc_status zfpc_read_header(const void *src, size_t len, zfpc_header *h)
    zfpc_status zfpc_compress_bound(const zfpc_field *f, const zfpc_params *p,
                                    int header, size_t *bytes)
    zfpc_status zfpc_compress(const zfpc_field *f, const zfpc_params *p,
                              int header, void *out, size_t cap, size_t *size,
                              unsigned threads, zfpc_report *report)
    zfpc_status zfpc_decompress(const zfpc_field *f, const zfpc_params *p,
                                const void *src, size_t len,
                                size_t bit_offset, unsigned threads)
    uint64_t zfpc_block_min_bits(zfpc_type type, const zfpc_params *p)
    zfpc_status zfpc_stream_min_bits(zfpc_type type, unsigned dims,
                                     const size_t n[4], const zfpc_params *p,
                                     uint64_t *bits)
    zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t n[4],
                               void *data, const unsigned char *gaps)


STATUS_NAMES = {
    ZFPC_ERR_PARAMS: "params",
    ZFPC_ERR_FIELD: "field",
    ZFPC_ERR_HEADER_SIZE: "header_size",
    ZFPC_ERR_HEADER: "header",
    ZFPC_ERR_TRUNCATED: "truncated",
    ZFPC_ERR_OUTPUT_FULL: "output_full",
    ZFPC_ERR_TOO_LARGE: "too_large",
    ZFPC_ERR_NOMEM: "nomem",
}


cdef int check(zfpc_status status) except -1:
    if status != ZFPC_OK:
        raise ZFPError(zfpc_status_message(status).decode(),
                          STATUS_NAMES.get(status, "unknown"))
    return 0


cdef tuple params_tuple(const zfpc_params *p):
    return (p.minbits, p.maxbits, p.maxprec, p.minexp)


cdef zfpc_params params_struct(tuple params) except *:
    cdef zfpc_params p
    p.minbits, p.maxbits, p.maxprec, p.minexp = params
    return p


def rate_params(double rate, int clamp_type, unsigned dims):
    """(minbits, maxbits, maxprec, minexp) of zfp_stream_set_rate."""
    cdef zfpc_params p
    check(zfpc_params_rate(&p, rate, <zfpc_type>clamp_type, dims))
    return params_tuple(&p)


def precision_params(uint32_t precision):
    cdef zfpc_params p
    zfpc_params_precision(&p, precision)
    return params_tuple(&p)


def accuracy_params(double tolerance):
    cdef zfpc_params p
    zfpc_params_accuracy(&p, tolerance)
    return params_tuple(&p)


def reversible_params():
    cdef zfpc_params p
    zfpc_params_reversible(&p)
    return params_tuple(&p)


def expert_params(uint32_t minbits, uint32_t maxbits, uint32_t maxprec,
                  int32_t minexp):
    cdef zfpc_params p
    check(zfpc_params_expert(&p, minbits, maxbits, maxprec, minexp))
    return params_tuple(&p)


def params_mode(tuple params):
    """The zfp_mode label of a parameter quadruple (format.md §3.7)."""
    cdef zfpc_params p = params_struct(params)
    return <int>zfpc_params_mode(&p)


def header_bits(tuple params):
    cdef zfpc_params p = params_struct(params)
    return zfpc_header_bits(&p)


def read_header(src):
    """(type, (nx, ny, nz, nw), params, header_bits) of a stream."""
    cdef Py_buffer view
    cdef zfpc_header h
    cdef zfpc_status status
    PyObject_GetBuffer(src, &view, PyBUF_C_CONTIGUOUS)
    try:
        with nogil:
            status = zfpc_read_header(view.buf, <size_t>view.len, &h)
    finally:
        PyBuffer_Release(&view)
    check(status)
    return (<int>h.type, (h.n[0], h.n[1], h.n[2], h.n[3]),
            params_tuple(&h.params), h.bits)


cdef int field_from_view(zfpc_field *f, Py_buffer *view, int ztype,
                         bint byteswap) except -1:
    cdef int a, d = view.ndim
    if d < 1 or d > 4:
        raise ValueError(f"arrays of {d} dimensions are not supported")
    f.type = <zfpc_type>ztype
    f.dims = d
    f.data = view.buf
    f.byteswap = byteswap
    for a in range(4):
        f.n[a] = view.shape[d - 1 - a] if a < d else 0
        f.stride[a] = view.strides[d - 1 - a] if a < d else 0
    return 0


def compress(arr, int ztype, tuple params, bint header, bint byteswap,
             unsigned threads=1):
    """The zfp stream of `arr` (any strided buffer of 1 to 4 dimensions whose
    items are the scalars of `ztype`) as bytes."""
    return compress_into_bytes(arr, ztype, params, header, byteswap, threads, NULL)


def compress_report(arr, int ztype, tuple params, bint header, bint byteswap,
                    unsigned threads=1):
    """(stream, nonfinite_blocks, range_blocks): `compress`, and the blocks
    the engine flagged while coding them (zfpc_report in csrc/zfpc.h)."""
    cdef zfpc_report report
    stream = compress_into_bytes(arr, ztype, params, header, byteswap, threads, &report)
    return stream, report.nonfinite_blocks, report.range_blocks


cdef object compress_into_bytes(arr, int ztype, tuple params, bint header, bint byteswap,
                                unsigned threads, zfpc_report *report):
    cdef Py_buffer view
    cdef zfpc_field f
    cdef zfpc_params p = params_struct(params)
    cdef zfpc_status status
    cdef size_t bound, size = 0
    cdef object out
    cdef PyObject *raw
    cdef char *dst
    PyObject_GetBuffer(arr, &view, PyBUF_RECORDS_RO)
    try:
        field_from_view(&f, &view, ztype, byteswap)
        if zfpc_compress_bound(&f, &p, header, &bound) != ZFPC_OK:
            raise MemoryError("array is too large to compress")
        out = PyBytes_FromStringAndSize(NULL, bound)
        dst = PyBytes_AS_STRING(out)
        with nogil:
            advise_huge_pages(dst, bound)
            status = zfpc_compress(&f, &p, header, dst, bound, &size, threads, report)
    finally:
        PyBuffer_Release(&view)
    check(status)
    # Cut `out` to the stream's length in place: _PyBytes_Resize needs the
    # only reference, so it moves from `out` into `raw` and back.
    raw = <PyObject *>out
    Py_INCREF(out)
    out = None
    _PyBytes_Resize(&raw, <Py_ssize_t>size)
    out = <object>raw
    Py_DECREF(out)
    return out


def decompress_into(src, size_t bit_offset, out, int ztype, tuple params,
                    bint byteswap, unsigned threads=1):
    """Decode the blocks that start `bit_offset` bits into `src` into the
    writable strided buffer `out`, whose shape is the array's."""
    cdef Py_buffer sview, oview
    cdef zfpc_field f
    cdef zfpc_params p = params_struct(params)
    cdef zfpc_status status
    PyObject_GetBuffer(src, &sview, PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(out, &oview, PyBUF_RECORDS)
        try:
            field_from_view(&f, &oview, ztype, byteswap)
            with nogil:
                status = zfpc_decompress(&f, &p, sview.buf, <size_t>sview.len,
                                         bit_offset, threads)
        finally:
            PyBuffer_Release(&oview)
    finally:
        PyBuffer_Release(&sview)
    check(status)



def stream_min_bits(int ztype, tuple sizes, tuple params):
    """Fewest bits the decoder reads for the blocks of an array of zfp
    `sizes` (x first, 0 = unused) and `ztype` with coder `params`: an input
    holding fewer bits after the header is truncated."""
    cdef zfpc_params p = params_struct(params)
    cdef size_t n[4]
    cdef uint64_t bits = 0
    cdef unsigned dims = 0
    cdef int a
    if len(sizes) != 4:
        raise ValueError("sizes must have 4 entries (x, y, z, w)")
    for a in range(4):
        n[a] = sizes[a]
        if n[a]:
            dims = a + 1
    check(zfpc_stream_min_bits(<zfpc_type>ztype, dims, n, &p, &bits))
    return bits


def block_min_bits(int ztype, tuple params):
    """Fewest bits the decoder reads for one block (see stream_min_bits)."""
    cdef zfpc_params p = params_struct(params)
    return zfpc_block_min_bits(<zfpc_type>ztype, &p)


def fill_gaps(values, gaps, int ztype):
    """Replace the gaps of `values` (a writable C-contiguous array of
    `ztype`'s scalars, 1 to 4 dimensions) where the C-contiguous bool or
    uint8 array `gaps` of the same shape is set, in place (csrc/fill.c)."""
    cdef Py_buffer vview, gview
    cdef size_t n[4]
    cdef unsigned dims
    cdef int a
    cdef zfpc_status status
    PyObject_GetBuffer(values, &vview, PyBUF_RECORDS | PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(gaps, &gview, PyBUF_C_CONTIGUOUS)
        try:
            dims = vview.ndim
            if dims < 1 or dims > 4 or gview.len != vview.len // vview.itemsize:
                raise ValueError("fill_gaps needs 1 to 4 dimensions and one gap flag "
                                 "per value")
            for a in range(4):
                n[a] = vview.shape[dims - 1 - a] if a < <int>dims else 0
            with nogil:
                status = zfpc_fill_gaps(<zfpc_type>ztype, dims, n, vview.buf,
                                        <const unsigned char *>gview.buf)
        finally:
            PyBuffer_Release(&gview)
    finally:
        PyBuffer_Release(&vview)
    check(status)
