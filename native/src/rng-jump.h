// SPDX-License-Identifier: MIT
// Jump-ahead for xoshiro128**: its state update is linear over GF(2) (shifts, rotations and
// xors of the 128 state bits), so advancing a state by 4096 draws is one fixed 128 x 128 bit
// matrix. The vector quantizers use it to start 16 lanes (and each thread's task) at their
// own positions of the one stream: element i always gets draw i, whatever the lanes and
// threads, so results are the same bits as the scalar loop's.
#pragma once

#include <cstdint>

namespace rngjump {

/** Draws one jump advances (a lane's stride in the vector quantizers). */
constexpr int64_t STRIDE = 4096;
/** The short jump's draws: the lanes' stride for calls of 768 to 12,287 draws. */
constexpr int64_t SHORT_STRIDE = 256;

/** out = the xoshiro128** state `STRIDE` draws after `in` (words s0..s3); in may equal out. */
void jump(const uint32_t* in, uint32_t* out);
/** out = the state `SHORT_STRIDE` draws after `in`; in may equal out. */
void jumpShort(const uint32_t* in, uint32_t* out);

}  // namespace rngjump
