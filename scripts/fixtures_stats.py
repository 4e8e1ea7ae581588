"""Prints the reference xoshiro128** outputs used in tests/stats/rng_test.ts (state [1, 2, 3, 4]).

A direct transcription of Blackman & Vigna's xoshiro128starstar.c in Python's unbounded integers (masked to
32 bits), so it shares no 32-bit-arithmetic tricks with the TypeScript implementation.
"""
M = 0xFFFFFFFF


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M


s = [1, 2, 3, 4]
out = []
for _ in range(10):
    r = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 9) & M
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    out.append(r)
print(out)
