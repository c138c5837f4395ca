/*
 * uts/sha1.h - SHA-1 (FIPS 180-4, section 6.1) and the splittable random
 * number generator of UTS built on it (the BRG-SHA1 generator of the UTS
 * benchmark's rng/brg_sha1.c), so that the UTS kernels (uts.h) walk exactly
 * the standard UTS trees.  Written from the specifications; C11, also
 * compiles as C++ (uts/tbb.cc).
 *
 * A digest is kept as its five 32-bit words h[0..4]: its 20 bytes are those
 * words, each most significant byte first (FIPS 180-4, 6.1.2 step 4 and
 * 3.1), so hashing a digest again reads the words back unchanged.
 *
 * The UTS generator (a node's state is the 20-byte digest):
 *   rng_init(seed)        = SHA-1(16 zero bytes || seed, 4 bytes big-endian)
 *   rng_spawn(parent, i)  = SHA-1(parent's 20 bytes || i, 4 bytes big-endian)
 *   rng_rand(state)       = its last 4 bytes, big-endian, & 0x7fffffff
 *   rng_toProb(r)         = r / 2^31, in [0, 1)
 */
#ifndef WEFT_BENCH_UTS_SHA1_H
#define WEFT_BENCH_UTS_SHA1_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ROTL^n(x), 0 < n < 32 (FIPS 180-4, 3.2). */
static inline uint32_t uts_sha1_rotl(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

/* H^(0) (FIPS 180-4, 5.3.1). */
static inline void uts_sha1_iv(uint32_t h[5])
{
    h[0] = 0x67452301u;
    h[1] = 0xefcdab89u;
    h[2] = 0x98badcfeu;
    h[3] = 0x10325476u;
    h[4] = 0xc3d2e1f0u;
}

/* One step t of the compression: T = ROTL^5(a) + f_t(b, c, d) + e + K_t +
 * W_t; e = d; d = c; c = ROTL^30(b); b = a; a = T.  The renaming of the
 * five variables is done by the callers' rotating argument order. */
#define UTS_SHA1_STEP(a, b, c, d, e, f, k, wt)                              \
    do {                                                                    \
        (e) += uts_sha1_rotl((a), 5) + (f) + (k) + (wt);                    \
        (b) = uts_sha1_rotl((b), 30);                                       \
    } while (0)

/* f_t (FIPS 180-4, 4.1.1): Ch for 0-19, Parity for 20-39 and 60-79, Maj
 * for 40-59. */
#define UTS_SHA1_CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define UTS_SHA1_PARITY(x, y, z) ((x) ^ (y) ^ (z))
#define UTS_SHA1_MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

/* W_t for t >= 16 in a 16-word circular buffer (FIPS 180-4, 6.1.2 step 1
 * and the alternate method of 6.1.3): W_t = ROTL^1(W_{t-3} ^ W_{t-8} ^
 * W_{t-14} ^ W_{t-16}). */
#define UTS_SHA1_W(w, t)                                                    \
    ((w)[(t) & 15] = uts_sha1_rotl((w)[((t) - 3) & 15] ^ (w)[((t) - 8) & 15] \
                                   ^ (w)[((t) - 14) & 15] ^ (w)[(t) & 15], 1))

/* Five steps with the variables renamed each step, so that no step moves
 * values around. */
#define UTS_SHA1_5STEPS(F, k, W0, W1, W2, W3, W4)                           \
    do {                                                                    \
        UTS_SHA1_STEP(a, b, c, d, e, F(b, c, d), k, W0);                    \
        UTS_SHA1_STEP(e, a, b, c, d, F(a, b, c), k, W1);                    \
        UTS_SHA1_STEP(d, e, a, b, c, F(e, a, b), k, W2);                    \
        UTS_SHA1_STEP(c, d, e, a, b, F(d, e, a), k, W3);                    \
        UTS_SHA1_STEP(b, c, d, e, a, F(c, d, e), k, W4);                    \
    } while (0)

/*
 * Processes one 512-bit message block, given as its 16 words M_0..M_15
 * (each big-endian in the byte stream): h = h + compress(h, M) (FIPS
 * 180-4, 6.1.2 steps 1-4).
 */
static inline void uts_sha1_block(uint32_t h[5], const uint32_t m[16])
{
    uint32_t w[16];
    memcpy(w, m, sizeof w);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    int t;
    for (t = 0; t < 15; t += 5)
        UTS_SHA1_5STEPS(UTS_SHA1_CH, 0x5a827999u, w[t], w[t + 1], w[t + 2],
                        w[t + 3], w[t + 4]);
    /* t = 15: steps 15-19, W_16.. computed from here on */
    UTS_SHA1_5STEPS(UTS_SHA1_CH, 0x5a827999u, w[15], UTS_SHA1_W(w, 16),
                    UTS_SHA1_W(w, 17), UTS_SHA1_W(w, 18), UTS_SHA1_W(w, 19));
    for (t = 20; t < 40; t += 5)
        UTS_SHA1_5STEPS(UTS_SHA1_PARITY, 0x6ed9eba1u, UTS_SHA1_W(w, t),
                        UTS_SHA1_W(w, t + 1), UTS_SHA1_W(w, t + 2),
                        UTS_SHA1_W(w, t + 3), UTS_SHA1_W(w, t + 4));
    for (t = 40; t < 60; t += 5)
        UTS_SHA1_5STEPS(UTS_SHA1_MAJ, 0x8f1bbcdcu, UTS_SHA1_W(w, t),
                        UTS_SHA1_W(w, t + 1), UTS_SHA1_W(w, t + 2),
                        UTS_SHA1_W(w, t + 3), UTS_SHA1_W(w, t + 4));
    for (t = 60; t < 80; t += 5)
        UTS_SHA1_5STEPS(UTS_SHA1_PARITY, 0xca62c1d6u, UTS_SHA1_W(w, t),
                        UTS_SHA1_W(w, t + 1), UTS_SHA1_W(w, t + 2),
                        UTS_SHA1_W(w, t + 3), UTS_SHA1_W(w, t + 4));
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

/* The 16 big-endian words of 64 bytes. */
static inline void uts_sha1_load(uint32_t m[16], const unsigned char *p)
{
    for (int j = 0; j < 16; j++)
        m[j] = (uint32_t)p[4 * j] << 24 | (uint32_t)p[4 * j + 1] << 16 |
               (uint32_t)p[4 * j + 2] << 8 | (uint32_t)p[4 * j + 3];
}

/*
 * The SHA-1 digest of the len bytes at msg, as its five words (FIPS 180-4:
 * padding 5.1.1, parsing 5.2.1, computation 6.1.2).
 */
static inline void uts_sha1(const void *msg, size_t len, uint32_t h[5])
{
    const unsigned char *p = (const unsigned char *)msg;
    uint32_t m[16];
    size_t left = len;
    uts_sha1_iv(h);
    for (; left >= 64; left -= 64, p += 64) {
        uts_sha1_load(m, p);
        uts_sha1_block(h, m);
    }
    /* padding: the rest, a 1 bit, zeros, the length in bits as 64 bits
     * big-endian; one more block when the rest leaves no room for the
     * 1 bit and the length (rest > 55 bytes) */
    unsigned char tail[128];
    size_t tail_len = left + 1 + 8 <= 64 ? 64 : 128;
    memset(tail, 0, sizeof tail);
    if (left > 0)
        memcpy(tail, p, left);
    tail[left] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int j = 0; j < 8; j++)
        tail[tail_len - 1 - j] = (unsigned char)(bits >> (8 * j));
    for (size_t off = 0; off < tail_len; off += 64) {
        uts_sha1_load(m, tail + off);
        uts_sha1_block(h, m);
    }
}

/* The 20 bytes of a digest kept as words. */
static inline void uts_sha1_bytes(const uint32_t h[5], unsigned char out[20])
{
    for (int j = 0; j < 20; j++)
        out[j] = (unsigned char)(h[j / 4] >> (24 - 8 * (j % 4)));
}

/* ---- the UTS generator --------------------------------------------------- */

/* A node's state: a SHA-1 digest, as its five words. */
struct uts_state {
    uint32_t h[5];
};

/* rng_init: SHA-1 of 16 zero bytes followed by seed, 4 bytes big-endian
 * (20 bytes in all). */
static inline void uts_rng_init(struct uts_state *s, int seed)
{
    unsigned char m[20];
    memset(m, 0, 16);
    m[16] = (unsigned char)((uint32_t)seed >> 24);
    m[17] = (unsigned char)((uint32_t)seed >> 16);
    m[18] = (unsigned char)((uint32_t)seed >> 8);
    m[19] = (unsigned char)(uint32_t)seed;
    uts_sha1(m, sizeof m, s->h);
}

/*
 * rng_spawn: the state of child i, SHA-1 of the parent's 20 bytes followed
 * by i, 4 bytes big-endian.  24 bytes: one padded block, built as words
 * directly (the parent's words, i, the 1 bit, zeros, the length 192 bits);
 * the self-test checks it against uts_sha1 of the bytes.
 */
static inline void uts_rng_spawn(const struct uts_state *parent,
                                 struct uts_state *child, int i)
{
    uint32_t m[16] = {parent->h[0], parent->h[1], parent->h[2], parent->h[3],
                      parent->h[4], (uint32_t)i, 0x80000000u, 0, 0, 0, 0, 0,
                      0, 0, 0, 24 * 8};
    uts_sha1_iv(child->h);
    uts_sha1_block(child->h, m);
}

/* rng_rand: the last 4 bytes of the state, big-endian, as a non-negative
 * 31-bit int. */
static inline int uts_rng_rand(const struct uts_state *s)
{
    return (int)(s->h[4] & 0x7fffffffu);
}

/* rng_toProb: r / 2^31, in [0, 1). */
static inline double uts_rng_toprob(int r)
{
    return (double)r / 2147483648.0;
}

/*
 * Checks the code above: the FIPS 180-4 examples ("abc", one block; the
 * 448-bit message, two blocks), the empty message, a 64-byte message (a
 * block of padding alone) and uts_rng_spawn against uts_sha1 of the same
 * 24 bytes.  Returns NULL or what failed.
 */
static inline const char *uts_sha1_selftest(void)
{
    static const struct {
        const char *what, *msg, *hex;
    } v[] = {
        {"SHA-1(\"abc\")", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"SHA-1(\"\")", "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"SHA-1 of the 448-bit message",
         "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"SHA-1 of a 64-byte message",
         "0123456701234567012345670123456701234567012345670123456701234567",
         "e0c094e867ef46c350ef54a7f59dd60bed92ae83"},
    };
    static const char hexd[] = "0123456789abcdef";
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        uint32_t h[5];
        unsigned char d[20];
        char hex[41];
        uts_sha1(v[k].msg, strlen(v[k].msg), h);
        uts_sha1_bytes(h, d);
        for (int j = 0; j < 20; j++) {
            hex[2 * j] = hexd[d[j] >> 4];
            hex[2 * j + 1] = hexd[d[j] & 15];
        }
        hex[40] = 0;
        if (strcmp(hex, v[k].hex) != 0)
            return v[k].what;
    }
    static const int spawn_i[] = {0, 1, 99, 1999, 0x12345678};
    struct uts_state s;
    uts_rng_init(&s, 19);
    for (size_t k = 0; k < sizeof spawn_i / sizeof spawn_i[0]; k++) {
        struct uts_state c;
        unsigned char m[24];
        uint32_t h[5];
        uts_rng_spawn(&s, &c, spawn_i[k]);
        uts_sha1_bytes(s.h, m);
        m[20] = (unsigned char)((uint32_t)spawn_i[k] >> 24);
        m[21] = (unsigned char)((uint32_t)spawn_i[k] >> 16);
        m[22] = (unsigned char)((uint32_t)spawn_i[k] >> 8);
        m[23] = (unsigned char)(uint32_t)spawn_i[k];
        uts_sha1(m, sizeof m, h);
        if (memcmp(h, c.h, sizeof h) != 0)
            return "uts_rng_spawn against SHA-1 of its 24 bytes";
        s = c;
    }
    return NULL;
}

#endif
