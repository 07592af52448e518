/* Writing the zfp header (format.md §2); reading is zfpc_read_header. */
#ifndef ZFPC_HEADER_H
#define ZFPC_HEADER_H

#include "bitstream.h"
#include "zfpc.h"

zfpc_status header_check(const zfpc_field *f);
void header_write(bit_writer *w, const zfpc_field *f, const zfpc_params *p);

#endif
