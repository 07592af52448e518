/* Coefficient orders (spec 7). */
#ifndef ZFPC_ORDER_H
#define ZFPC_ORDER_H

#include <stdint.h>

/* The coding order of the 4^dims coefficients of a block, dims 1..4. */
const uint8_t *coefficient_order(unsigned dims);

#endif
