# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin binding of the C engine (csrc/zfpc.h): buffers in, bytes out.

Arguments are checked once, by the Python layer (zfpcodec.api); this module
only moves pointers, shapes and strides into C and releases the GIL around
all C work.  NumPy axis order is reversed here: the last axis is zfp's x.
"""

from cpython.buffer cimport (PyObject_GetBuffer, PyBuffer_Release,
                             PyBUF_RECORDS_RO, PyBUF_RECORDS,
                             PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE)
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from libc.stdint cimport uint32_t, int32_t, uint64_t
from libc.stdlib cimport malloc, free

from zfpcodec.errors import ZFPError


cdef extern from "Python.h":
    int _PyBytes_Resize(PyObject **string, Py_ssize_t newsize) except -1


# a large fresh buffer onto huge pages (csrc/fresh_pages.h)
cdef extern from "fresh_pages.h" nogil:
    void advise_huge_pages(void *p, size_t n)


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
        uint64_t scale_blocks

    ctypedef struct zfpc_found:
        unsigned char *bitmap
        size_t count
        uint64_t pattern
        uint64_t differ

    ctypedef struct zfpc_missing:
        const void *fill
        zfpc_found *found

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
    ctypedef void *(*zfpc_grow)(void *ctx, size_t needed,
                                size_t *capacity) noexcept nogil
    zfpc_status zfpc_compress(const zfpc_field *f, const zfpc_params *p,
                              int header, void *out, size_t cap,
                              zfpc_grow grow, void *grow_ctx, size_t *size,
                              unsigned threads, zfpc_report *report)
    zfpc_status zfpc_compress_filled(const zfpc_field *f, const zfpc_params *p,
                                     int header, void *out, size_t cap,
                                     zfpc_grow grow, void *grow_ctx, size_t *size,
                                     unsigned threads, zfpc_report *report,
                                     const zfpc_missing *missing)
    zfpc_status zfpc_decompress(const zfpc_field *f, const zfpc_params *p,
                                const void *src, size_t len,
                                size_t bit_offset, unsigned threads,
                                uint64_t *end_bits)
    void zfpc_block_bits(zfpc_type type, const zfpc_params *p, unsigned dims,
                         uint64_t *fixed, uint64_t *most)

    ctypedef struct zfpc_piece:
        size_t start
        size_t len
        const void *data

    zfpc_status zfpc_decompress_selection(const zfpc_field *out, const size_t n[4],
                                          const size_t *const index[4],
                                          const zfpc_params *p,
                                          const zfpc_piece *pieces, size_t count,
                                          uint64_t bit_offset, unsigned threads)
    uint64_t zfpc_block_min_bits(zfpc_type type, const zfpc_params *p)
    zfpc_status zfpc_stream_min_bits(zfpc_type type, unsigned dims,
                                     const size_t n[4], const zfpc_params *p,
                                     uint64_t *bits)
    zfpc_status zfpc_find_missing(zfpc_type type, size_t count, const void *data,
                                  const void *fill, unsigned char *bitmap,
                                  size_t *missing, size_t *first, int *uniform)
    size_t zfpc_bitmap_count(const unsigned char *bitmap, size_t count, int *past)
    void zfpc_restore_missing(void *data, unsigned itemsize, size_t count,
                              const unsigned char *bitmap, const void *patterns,
                              int uniform)
    zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t n[4],
                               const void *src, void *data,
                               const unsigned char *bitmap)
    zfpc_status zfpc_stream_bits(zfpc_type type, unsigned dims,
                                 const size_t n[4], const zfpc_params *p,
                                 const void *src, size_t len,
                                 size_t bit_offset, uint64_t *bits)


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


# A variable-rate stream starts in a buffer of this size (or its worst case,
# if smaller) and grows as the coder needs, so that the memory reserved
# follows the stream's real size, not the worst case (which is larger than
# the array itself).  A fixed-rate stream's worst case is its size.  Why
# 32 MiB: glibc maps blocks this large as pages of their own (its largest
# mmap threshold), which realloc grows by remapping, without copying and
# keeping their huge pages; smaller streams get their worst case at once,
# as fast as before.
INITIAL_STREAM_BYTES = 32 << 20
# zfpc's worker threads code chunks of at most this many blocks (blocks.c)
_MAX_CHUNK_BLOCKS = 4096
_TYPE_NAMES = {1: "int32", 2: "int64", 3: "float32", 4: "float64"}


cdef struct growing_stream:
    PyObject *stream  # the bytes object being written; its only reference
    size_t bound      # the most the stream can need
    size_t failed     # the size growing failed to reach (0: it never failed)


cdef void *grow_stream(void *ctx, size_t needed, size_t *capacity) noexcept nogil:
    """zfpc_grow for a bytes object: at least double it (up to the worst
    case), so that growing costs a few reallocations in all."""
    cdef growing_stream *g = <growing_stream *>ctx
    cdef size_t size = capacity[0] * 2 if capacity[0] <= g.bound // 2 else g.bound
    cdef char *data
    if size < needed:
        size = needed
    with gil:
        try:
            _PyBytes_Resize(&g.stream, <Py_ssize_t>size)
        except BaseException:  # MemoryError; the object is gone either way
            g.failed = size
            return NULL
        data = PyBytes_AS_STRING(<object>g.stream)
    advise_huge_pages(data, size)
    capacity[0] = size
    return data


cdef str _stream_of(const Py_buffer *view, int ztype):
    """What a compression's MemoryError names (built only when one is raised)."""
    shape = tuple(view.shape[a] for a in range(view.ndim))
    return f"the compressed stream of the {_TYPE_NAMES[ztype]} array of shape {shape}"


def _bytes(size_t n):
    return f"{n} bytes ({n / 2**20:.1f} MiB)"


def compress(arr, int ztype, tuple params, bint header, bint byteswap,
             unsigned threads=1):
    """The zfp stream of `arr` (any strided buffer of 1 to 4 dimensions whose
    items are the scalars of `ztype`) as bytes.  MemoryError, naming what
    and how much, when the stream's buffer cannot be allocated."""
    return compress_into_bytes(arr, ztype, params, header, byteswap, threads, NULL, NULL)


def compress_report(arr, int ztype, tuple params, bint header, bint byteswap,
                    unsigned threads=1):
    """(stream, nonfinite_blocks, range_blocks, scale_blocks): `compress`,
    and the blocks the engine flagged while coding them (zfpc_report in
    csrc/zfpc.h)."""
    cdef zfpc_report report
    stream = compress_into_bytes(arr, ztype, params, header, byteswap, threads, &report,
                                 NULL)
    return stream, report.nonfinite_blocks, report.range_blocks, report.scale_blocks


def compress_filled(arr, int ztype, tuple params, bint header, unsigned threads, fill,
                    bitmap):
    """`compress_report` of the C-contiguous, native-order `arr` with its
    missing values (NaN and +-inf in float types, and those equal to
    `fill`, a one-value buffer of the array's type, or None) filled block
    by block as they are coded (zfpc_compress_filled); and where they are:
    their bitmap is written to the writable buffer `bitmap` of ceil(size /
    8) bytes.  Returns (stream, nonfinite_blocks, range_blocks,
    scale_blocks, missing values, the bit pattern of one, whether they all
    share it)."""
    cdef zfpc_report report
    cdef zfpc_missing missing
    cdef zfpc_found found
    cdef Py_buffer bview
    cdef bytes fill_bytes = None
    values = memoryview(arr)
    missing.fill = NULL
    missing.found = &found
    if fill is not None:
        fill_bytes = bytes(memoryview(fill))
        if len(fill_bytes) != values.itemsize:
            raise ValueError(f"compress_filled needs one fill value of the array's type "
                             f"({values.itemsize} bytes), not {len(fill_bytes)} bytes")
        missing.fill = <const char *>fill_bytes
    PyObject_GetBuffer(bitmap, &bview, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
    try:
        if <size_t>bview.len != (values.nbytes // values.itemsize + 7) // 8:
            raise ValueError(f"compress_filled needs a bitmap of one bit per value, not "
                             f"{bview.len} bytes")
        found.bitmap = <unsigned char *>bview.buf
        stream = compress_into_bytes(arr, ztype, params, header, False, threads, &report,
                                     &missing)
    finally:
        PyBuffer_Release(&bview)
    return (stream, report.nonfinite_blocks, report.range_blocks, report.scale_blocks,
            found.count, found.pattern, found.differ == 0)


cdef object compress_into_bytes(arr, int ztype, tuple params, bint header, bint byteswap,
                                unsigned threads, zfpc_report *report,
                                const zfpc_missing *missing):
    cdef Py_buffer view
    cdef zfpc_field f
    cdef zfpc_params p = params_struct(params)
    cdef zfpc_status status
    cdef size_t bound, start, size = 0
    cdef growing_stream out
    cdef char *dst
    cdef object result
    PyObject_GetBuffer(arr, &view, PyBUF_RECORDS_RO)
    try:
        field_from_view(&f, &view, ztype, byteswap)
        status = zfpc_compress_bound(&f, &p, header, &bound)
        if status == ZFPC_ERR_TOO_LARGE:
            raise MemoryError(f"{_stream_of(&view, ztype)} could need more bytes than "
                              "this machine can address")
        check(status)
        start = bound if p.minbits == p.maxbits or bound < INITIAL_STREAM_BYTES \
            else INITIAL_STREAM_BYTES
        try:
            result = PyBytes_FromStringAndSize(NULL, start)
        except MemoryError:
            raise MemoryError(f"cannot allocate {_bytes(start)} for "
                              f"{_stream_of(&view, ztype)}") from None
        # the struct takes the only reference, as _PyBytes_Resize requires
        out.stream = <PyObject *>result
        Py_INCREF(result)
        result = None
        out.bound = bound
        out.failed = 0
        dst = PyBytes_AS_STRING(<object>out.stream)
        with nogil:
            advise_huge_pages(dst, start)
            status = zfpc_compress_filled(&f, &p, header, dst, start, grow_stream,
                                          &out, &size, threads, report, missing)
        if status != ZFPC_OK:
            Py_XDECREF(out.stream)
            what = _stream_of(&view, ztype)
            if status == ZFPC_ERR_NOMEM and out.failed:
                raise MemoryError(f"cannot grow {what} to {_bytes(out.failed)}")
            if status == ZFPC_ERR_NOMEM:
                blocks = 1
                for a in range(f.dims):
                    blocks *= (f.n[a] + 3) // 4
                chunk = bound // blocks * min(blocks, _MAX_CHUNK_BLOCKS)
                raise MemoryError(f"a compression thread cannot allocate its buffer "
                                  f"(about {_bytes(chunk)}) for {what}; try threads=1")
            check(status)
    finally:
        PyBuffer_Release(&view)
    # Cut the stream to its length in place (the struct holds the only
    # reference), then hand that reference to `result`.
    _PyBytes_Resize(&out.stream, <Py_ssize_t>size)
    result = <object>out.stream
    Py_DECREF(result)
    return result


def decompress_into(src, size_t bit_offset, out, int ztype, tuple params,
                    bint byteswap, unsigned threads=1):
    """Decode the blocks that start `bit_offset` bits into `src` into the
    writable strided buffer `out`, whose shape is the array's.  Returns the
    stream bit where the last block ends."""
    cdef Py_buffer sview, oview
    cdef zfpc_field f
    cdef zfpc_params p = params_struct(params)
    cdef zfpc_status status
    cdef uint64_t end = 0
    PyObject_GetBuffer(src, &sview, PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(out, &oview, PyBUF_RECORDS)
        try:
            field_from_view(&f, &oview, ztype, byteswap)
            with nogil:
                status = zfpc_decompress(&f, &p, sview.buf, <size_t>sview.len,
                                         bit_offset, threads, &end)
        finally:
            PyBuffer_Release(&oview)
    finally:
        PyBuffer_Release(&sview)
    check(status)
    return end


cdef unsigned sizes_array(tuple sizes, size_t n[4]) except 0:
    """Fill n from zfp `sizes` (x first, 0 = unused); returns the rank."""
    cdef unsigned dims = 0
    cdef int a
    if len(sizes) != 4:
        raise ValueError("sizes must have 4 entries (x, y, z, w)")
    for a in range(4):
        n[a] = sizes[a]
        if n[a]:
            dims = a + 1
    if not dims:
        raise ValueError("sizes must have a non-zero entry")
    return dims


def stream_bits(src, size_t bit_offset, int ztype, tuple sizes, tuple params):
    """The bit of `src` after the last block of the stream of an array of
    zfp `sizes` and `ztype` whose blocks start at `bit_offset`, found
    without decoding (fixed rate: from the sizes alone).  ZFPError with
    status "truncated" when `src` ends before the last block."""
    cdef Py_buffer view
    cdef zfpc_params p = params_struct(params)
    cdef size_t n[4]
    cdef unsigned dims = sizes_array(sizes, n)
    cdef uint64_t bits = 0
    cdef zfpc_status status
    PyObject_GetBuffer(src, &view, PyBUF_C_CONTIGUOUS)
    try:
        with nogil:
            status = zfpc_stream_bits(<zfpc_type>ztype, dims, n, &p, view.buf,
                                      <size_t>view.len, bit_offset, &bits)
    finally:
        PyBuffer_Release(&view)
    check(status)
    return bits


def block_bits(int ztype, tuple params, unsigned dims):
    """(bits every block takes or 0 when they vary, most bits of a block)."""
    cdef zfpc_params p = params_struct(params)
    cdef uint64_t fixed, most
    zfpc_block_bits(<zfpc_type>ztype, &p, dims, &fixed, &most)
    return fixed, most


def decompress_selection(list pieces, uint64_t bit_offset, tuple sizes, tuple indices,
                         out, int ztype, tuple params, bint byteswap,
                         unsigned threads=1):
    """Decode an orthogonal selection of the array of zfp `sizes` (x first)
    whose blocks start `bit_offset` bits into a stream given as `pieces`
    ((start, bytes-like), sorted, not overlapping): along axis a (x first),
    position j of the writable strided buffer `out` receives element
    indices[a][j] (C-contiguous size_t arrays)."""
    cdef Py_ssize_t count = len(pieces), held = 0, a, d
    cdef Py_buffer *views = <Py_buffer *>malloc(sizeof(Py_buffer) * (count + 5))
    cdef zfpc_piece *c_pieces = <zfpc_piece *>malloc(sizeof(zfpc_piece) * (count or 1))
    cdef zfpc_field f
    cdef zfpc_params p = params_struct(params)
    cdef size_t n[4]
    cdef const size_t *index[4]
    cdef zfpc_status status
    if views == NULL or c_pieces == NULL:
        free(views)
        free(c_pieces)
        raise MemoryError("no memory for the pieces of the stream")
    try:
        for a in range(count):
            PyObject_GetBuffer(pieces[a][1], &views[held], PyBUF_C_CONTIGUOUS)
            held += 1
            c_pieces[a].start = pieces[a][0]
            c_pieces[a].len = <size_t>views[a].len
            c_pieces[a].data = views[a].buf
        PyObject_GetBuffer(out, &views[held], PyBUF_RECORDS)
        held += 1
        field_from_view(&f, &views[count], ztype, byteswap)
        d = f.dims
        if len(indices) != d:
            raise ValueError(f"{len(indices)} index arrays for {d} axes")
        for a in range(4):
            n[a] = sizes[a]
            index[a] = NULL
        for a in range(d):
            PyObject_GetBuffer(indices[a], &views[held], PyBUF_C_CONTIGUOUS)
            held += 1
            if <size_t>views[held - 1].len != f.n[a] * sizeof(size_t):
                raise ValueError(f"index array {a} does not match out's axis")
            index[a] = <const size_t *>views[held - 1].buf
        with nogil:
            status = zfpc_decompress_selection(&f, n, index, &p, c_pieces, <size_t>count,
                                               bit_offset, threads)
    finally:
        for a in range(held):
            PyBuffer_Release(&views[a])
        free(views)
        free(c_pieces)
    check(status)


def stream_min_bits(int ztype, tuple sizes, tuple params):
    """Fewest bits the decoder reads for the blocks of an array of zfp
    `sizes` (x first, 0 = unused) and `ztype` with coder `params`: an input
    holding fewer bits after the header is truncated."""
    cdef zfpc_params p = params_struct(params)
    cdef size_t n[4]
    cdef uint64_t bits = 0
    cdef unsigned dims = sizes_array(sizes, n)
    check(zfpc_stream_min_bits(<zfpc_type>ztype, dims, n, &p, &bits))
    return bits


def block_min_bits(int ztype, tuple params):
    """Fewest bits the decoder reads for one block (see stream_min_bits)."""
    cdef zfpc_params p = params_struct(params)
    return zfpc_block_min_bits(<zfpc_type>ztype, &p)


def find_missing(values, fill, bitmap, int ztype):
    """Which values of `values` (a C-contiguous array of `ztype`'s scalars)
    are missing: NaN and +-inf (float types) and those equal to `fill` (a
    one-value buffer of that type, or None), as the masked container's
    bitmap, written to the writable buffer `bitmap` of ceil(size / 8)
    bytes.  Returns how many are missing, the index of the first (the
    size when none is) and whether they share one bit pattern
    (csrc/fill.c)."""
    cdef Py_buffer vview, bview, fview
    cdef const void *fill_ptr = NULL
    cdef size_t count, missing = 0, first = 0
    cdef int uniform = 1
    cdef zfpc_status status
    PyObject_GetBuffer(values, &vview, PyBUF_RECORDS_RO | PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(bitmap, &bview, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
        try:
            count = vview.len // vview.itemsize
            if <size_t>bview.len != (count + 7) // 8:
                raise ValueError(f"find_missing needs a bitmap of {(count + 7) // 8} "
                                 f"bytes, not {bview.len}")
            if fill is not None:
                PyObject_GetBuffer(fill, &fview, PyBUF_C_CONTIGUOUS)
            try:
                if fill is not None:
                    if fview.len != vview.itemsize:
                        raise ValueError("find_missing needs one fill value of the "
                                         "array's type")
                    fill_ptr = fview.buf
                with nogil:
                    status = zfpc_find_missing(<zfpc_type>ztype, count, vview.buf,
                                               fill_ptr, <unsigned char *>bview.buf,
                                               &missing, &first, &uniform)
            finally:
                if fill is not None:
                    PyBuffer_Release(&fview)
        finally:
            PyBuffer_Release(&bview)
    finally:
        PyBuffer_Release(&vview)
    check(status)
    return missing, first, bool(uniform)


def bitmap_count(bitmap, size_t count):
    """(set bits, whether a bit after value count - 1 is set) of the masked
    container's bitmap of `count` values (ceil(count / 8) bytes)."""
    cdef Py_buffer view
    cdef size_t found
    cdef int past = 0
    PyObject_GetBuffer(bitmap, &view, PyBUF_C_CONTIGUOUS)
    try:
        if <size_t>view.len != (count + 7) // 8:
            raise ValueError(f"a bitmap of {count} values has {(count + 7) // 8} bytes, "
                             f"not {view.len}")
        with nogil:
            found = zfpc_bitmap_count(<const unsigned char *>view.buf, count, &past)
    finally:
        PyBuffer_Release(&view)
    return found, bool(past)


def restore_missing(values, bitmap, patterns, bint uniform):
    """Write the bit patterns `patterns` (one, when `uniform`, else one per
    set bit, in order; items of the size of `values`' items) over the
    values of the writable C-contiguous `values` whose bit is set in the
    masked container's `bitmap` (csrc/fill.c)."""
    cdef Py_buffer vview, bview, pview
    cdef size_t count, found
    cdef int past = 0
    PyObject_GetBuffer(values, &vview, PyBUF_RECORDS | PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(bitmap, &bview, PyBUF_C_CONTIGUOUS)
        try:
            PyObject_GetBuffer(patterns, &pview, PyBUF_C_CONTIGUOUS)
            try:
                count = vview.len // vview.itemsize
                if (vview.itemsize != 4 and vview.itemsize != 8) or \
                        <size_t>bview.len != (count + 7) // 8:
                    raise ValueError("restore_missing needs 4- or 8-byte values and a "
                                     "bitmap of one bit per value")
                found = zfpc_bitmap_count(<const unsigned char *>bview.buf, count, &past)
                if past or <size_t>pview.len != \
                        <size_t>vview.itemsize * (1 if uniform else found):
                    raise ValueError(f"restore_missing needs "
                                     f"{1 if uniform else found} patterns of "
                                     f"{vview.itemsize} bytes, not {pview.len} bytes")
                with nogil:
                    zfpc_restore_missing(vview.buf, <unsigned>vview.itemsize, count,
                                         <const unsigned char *>bview.buf, pview.buf,
                                         uniform)
            finally:
                PyBuffer_Release(&pview)
        finally:
            PyBuffer_Release(&bview)
    finally:
        PyBuffer_Release(&vview)


def fill_gaps(source, values, bitmap, int ztype):
    """Copy `source` into `values` (C-contiguous arrays of `ztype`'s scalars
    of one shape, 1 to 4 dimensions, `values` writable; the same array to
    work in place), replacing the values whose bit is set in the masked
    container's `bitmap` (ceil(size / 8) bytes, C order, least significant
    bit first) (csrc/fill.c)."""
    cdef Py_buffer sview, vview, gview
    cdef size_t n[4]
    cdef unsigned dims
    cdef int a
    cdef zfpc_status status
    PyObject_GetBuffer(values, &vview, PyBUF_RECORDS | PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(source, &sview, PyBUF_RECORDS_RO | PyBUF_C_CONTIGUOUS)
        try:
            PyObject_GetBuffer(bitmap, &gview, PyBUF_C_CONTIGUOUS)
            try:
                dims = vview.ndim
                if dims < 1 or dims > 4 or sview.len != vview.len or \
                        sview.itemsize != vview.itemsize or \
                        gview.len != (vview.len // vview.itemsize + 7) // 8:
                    raise ValueError("fill_gaps needs 1 to 4 dimensions, a source of "
                                     "the same size and a bitmap of one bit per value")
                for a in range(4):
                    n[a] = vview.shape[dims - 1 - a] if a < <int>dims else 0
                with nogil:
                    status = zfpc_fill_gaps(<zfpc_type>ztype, dims, n, sview.buf,
                                            vview.buf, <const unsigned char *>gview.buf)
            finally:
                PyBuffer_Release(&gview)
        finally:
            PyBuffer_Release(&sview)
    finally:
        PyBuffer_Release(&vview)
    check(status)
