/* modrm.c - ModRM/SIB parsing and effective addresses. */
#include "modrm.h"

#include "decode.h"

int modrm_parse(const uint8_t *p, int avail, bool addr16, struct modrm *m)
{
	int pos = 1, n;

	if (avail < 1)
		return -1;
	m->mod = p[0] >> 6;
	m->reg = (p[0] >> 3) & 7;
	m->rm = p[0] & 7;
	m->sib = -1;
	m->disp = 0;
	if (m->mod == 3) {
		m->len = 1;
		return 0;
	}
	if (addr16) {
		n = m->mod == 1 ? 1 : m->mod == 2 || m->rm == 6 ? 2 : 0;
	} else {
		if (m->rm == 4) {
			if (avail < 2)
				return -1;
			m->sib = p[pos++];
		}
		n = m->mod == 1 ? 1 : m->mod == 2 ? 4 : 0;
		if (m->mod == 0 && (m->rm == 5 || (m->rm == 4 && (m->sib & 7) == 5)))
			n = 4; /* disp32 with no base */
	}
	if (pos + n > avail)
		return -1;
	for (int k = n - 1; k >= 0; k--)
		m->disp = (m->disp << 8) | p[pos + k];
	if (n == 1)
		m->disp = (uint32_t)(int32_t)(int8_t)m->disp;
	else if (n == 2)
		m->disp = (uint32_t)(int32_t)(int16_t)m->disp;
	m->len = pos + n;
	return 0;
}

static uint32_t ea16(const struct modrm *m, const uint32_t *g, int *dseg)
{
	static const int8_t base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX};
	static const int8_t index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1};
	uint32_t ea;

	if (m->mod == 0 && m->rm == 6)
		return m->disp & 0xffff; /* disp16 alone, DS */
	ea = g[base[m->rm]];
	if (index[m->rm] >= 0)
		ea += g[index[m->rm]];
	if (base[m->rm] == R_EBP)
		*dseg = SEG_SS;
	/* the sum wraps at 16 bits: 0xffff + 2 addresses offset 1 */
	return (ea + m->disp) & 0xffff;
}

static uint32_t ea32(const struct modrm *m, const uint32_t *g, int *dseg)
{
	uint32_t ea = m->disp;
	int base = m->rm;

	if (m->rm == 4) {
		int scale = m->sib >> 6, index = (m->sib >> 3) & 7;

		base = m->sib & 7;
		if (index != R_ESP)
			ea += g[index] << scale;
	}
	if (base == R_EBP && m->mod == 0)
		return ea; /* disp32, no base */
	if (base == R_ESP || base == R_EBP)
		*dseg = SEG_SS;
	return ea + g[base];
}

uint32_t modrm_ea(const struct modrm *m, bool addr16, const uint32_t *gpr, int *dseg)
{
	*dseg = SEG_DS;
	return addr16 ? ea16(m, gpr, dseg) : ea32(m, gpr, dseg);
}
