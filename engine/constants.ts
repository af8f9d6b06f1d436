/**
 * Integer constants of the numerics spec (engine/NUMERICS.md §3, §9), each next to the real
 * value it encodes. test/constants.test.ts recomputes every one of them with decimal.js, in
 * the manner of gemmlowp's CHECKED_FIXEDPOINT_CONSTANT.
 *
 * Every backend embeds these same numbers (the WGSL and GPU.js kernels are generated from
 * them), so changing one changes the numerics: golden vectors will fail until regenerated.
 */

/** Sentinel that marks a masked attention score: such an entry gets probability exactly 0. */
export const MASKED = -2147483648; // -2^31, the one int32 no unmasked score may take

/** Fractional bits of the exp argument: u counts 2^-8 steps of log2 units (NUMERICS.md §9). */
export const EXP_FRAC_BITS = 8;

/** Fractional bits of the values that the exp tables and expNeg produce: 1.0 = 2^15. */
export const EXP_OUT_BITS = 15;

/**
 * From this many whole halvings on, exp(-d) is defined to be exactly 0. 2^-16 is exactly half a
 * Q15 LSB, so rounding alone would keep 1/32768 for the tie u = 4096 and give every far-away
 * token weight; cutting here makes the tail exactly 0 (NUMERICS.md §9).
 */
export const EXP_ZERO_HALVINGS = 16;

/** Fractional bits of softmax probabilities: 1.0 = 2^14, so that 1.0 itself fits in int16. */
export const SOFTMAX_OUT_BITS = 14;

/** Fractional bits of the normalized value z = d / sqrt(sum d^2) inside the norms (§10). */
export const NORM_Z_BITS = 14;

/** Fractional bits of the rotary cos/sin tables (§12). */
export const ROPE_BITS = 14;

/**
 * EXP2_NEG_Q15[f] = round(2^15 * 2^(-f/256)) for f = 0..255, round half up (no entry is a tie,
 * since 2^(-f/256) is irrational for 0 < f < 256). Entry 0 encodes 1.0; entry 255 encodes
 * 2^(-255/256) = 0.50135...
 */
export const EXP2_NEG_Q15: readonly number[] = Object.freeze([
  32768, 32679, 32591, 32503, 32415, 32327, 32240, 32153, 32066, 31979, 31893, 31806, 31720, 31635, 31549, 31464,
  31379, 31294, 31209, 31125, 31041, 30957, 30873, 30790, 30706, 30623, 30541, 30458, 30376, 30293, 30212, 30130,
  30048, 29967, 29886, 29805, 29725, 29644, 29564, 29484, 29405, 29325, 29246, 29167, 29088, 29009, 28931, 28852,
  28774, 28697, 28619, 28542, 28464, 28388, 28311, 28234, 28158, 28082, 28006, 27930, 27855, 27779, 27704, 27629,
  27554, 27480, 27406, 27332, 27258, 27184, 27110, 27037, 26964, 26891, 26818, 26746, 26674, 26601, 26530, 26458,
  26386, 26315, 26244, 26173, 26102, 26031, 25961, 25891, 25821, 25751, 25681, 25612, 25543, 25474, 25405, 25336,
  25268, 25199, 25131, 25063, 24995, 24928, 24860, 24793, 24726, 24659, 24593, 24526, 24460, 24394, 24328, 24262,
  24196, 24131, 24066, 24001, 23936, 23871, 23806, 23742, 23678, 23614, 23550, 23486, 23423, 23359, 23296, 23233,
  23170, 23108, 23045, 22983, 22921, 22859, 22797, 22735, 22674, 22613, 22552, 22491, 22430, 22369, 22309, 22248,
  22188, 22128, 22068, 22009, 21949, 21890, 21831, 21772, 21713, 21654, 21595, 21537, 21479, 21421, 21363, 21305,
  21247, 21190, 21133, 21076, 21019, 20962, 20905, 20849, 20792, 20736, 20680, 20624, 20568, 20513, 20457, 20402,
  20347, 20292, 20237, 20182, 20127, 20073, 20019, 19965, 19911, 19857, 19803, 19750, 19696, 19643, 19590, 19537,
  19484, 19431, 19379, 19326, 19274, 19222, 19170, 19118, 19066, 19015, 18963, 18912, 18861, 18810, 18759, 18708,
  18658, 18607, 18557, 18507, 18457, 18407, 18357, 18308, 18258, 18209, 18160, 18110, 18061, 18013, 17964, 17915,
  17867, 17819, 17770, 17722, 17674, 17627, 17579, 17531, 17484, 17437, 17390, 17343, 17296, 17249, 17202, 17156,
  17109, 17063, 17017, 16971, 16925, 16879, 16834, 16788, 16743, 16697, 16652, 16607, 16562, 16518, 16473, 16428,
]);

/**
 * Philox4x32-10 (Salmon et al., SC'11, "Parallel Random Numbers: As Easy as 1, 2, 3").
 * Multipliers and Weyl key increments as published with Random123.
 */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9; // floor(2^32 * (golden ratio - 1))
export const PHILOX_W1 = 0xbb67ae85; // floor(2^32 * (sqrt(3) - 1))
export const PHILOX_ROUNDS = 10;
