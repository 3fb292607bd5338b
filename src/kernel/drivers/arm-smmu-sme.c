/*
 * arm-smmu: the software shadow of the stream-map entries (SMR + S2CR).
 *
 * An entry is shared by every master whose (ID, MASK) it entirely covers and
 * is refcounted: it is allocated when the first such master is probed and
 * goes back to invalid / the initial S2CR type only when the last one is
 * released. Nothing here touches hardware; arm-smmu-hw.c writes entries.
 */
#include <errno.h>

#include "kernel/base/kalloc.h"
#include "kernel/drivers/arm-smmu.h"

int arm_smmu_sme_init(struct arm_smmu_device *smmu, unsigned n, bool stream_match,
		      enum arm_smmu_s2cr_type init_type)
{
	struct arm_smmu_s2cr *s2crs;
	struct arm_smmu_smr *smrs = NULL;

	if (!n)
		return -EINVAL;
	s2crs = kcalloc(n, sizeof(*s2crs));
	if (!s2crs)
		return -ENOMEM;
	if (stream_match) {
		smrs = kcalloc(n, sizeof(*smrs));
		if (!smrs) {
			kfree(s2crs);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < n; i++)
		s2crs[i].type = init_type;
	smmu->s2crs = s2crs;
	smmu->smrs = smrs;
	smmu->num_mapping_groups = n;
	smmu->s2cr_init_type = init_type;
	return 0;
}

void arm_smmu_sme_destroy(struct arm_smmu_device *smmu)
{
	kfree(smmu->smrs);
	kfree(smmu->s2crs);
	smmu->smrs = NULL;
	smmu->s2crs = NULL;
	smmu->num_mapping_groups = 0;
}

int arm_smmu_find_sme(const struct arm_smmu_device *smmu, u16 id, u16 mask)
{
	const struct arm_smmu_smr *smrs = smmu->smrs;
	int free_idx = -ENOSPC;

	/* Stream indexing: the stream ID is the entry. */
	if (!smrs)
		return id < smmu->num_mapping_groups ? id : -ERANGE;

	for (unsigned i = 0; i < smmu->num_mapping_groups; i++) {
		const struct arm_smmu_smr *smr = &smrs[i];

		if (!smr->valid) {
			if (free_idx < 0)
				free_idx = (int)i;
			continue;
		}
		/*
		 * Every stream the request matches is already matched by this
		 * SMR: share it (its masters then share a group).
		 */
		if ((mask & smr->mask) == mask && !((id ^ smr->id) & ~smr->mask))
			return (int)i;
		/*
		 * Some stream would match both: two SMRs matching one stream is
		 * a stream-match conflict in hardware, so refuse.
		 */
		if (!((id ^ smr->id) & ~(smr->mask | mask)))
			return -EINVAL;
	}
	return free_idx;
}

static void sme_drop(struct arm_smmu_device *smmu, int idx, bool *freed)
{
	struct arm_smmu_s2cr *s2cr = &smmu->s2crs[idx];

	*freed = false;
	if (--s2cr->count)
		return;
	s2cr->type = smmu->s2cr_init_type;
	s2cr->cbndx = 0;
	s2cr->group = NULL;
	if (smmu->smrs)
		smmu->smrs[idx].valid = false;
	*freed = true;
}

int arm_smmu_sme_get(struct arm_smmu_device *smmu, const u32 *ids, unsigned n,
		     int *smendx)
{
	unsigned i;
	int ret = 0;

	for (i = 0; i < n; i++)
		smendx[i] = INVALID_SMENDX;

	for (i = 0; i < n; i++) {
		u16 id = ids[i] & SMR_ID_MASK;
		u16 mask = (ids[i] >> SMR_MASK_SHIFT) & SMR_MASK_MASK;
		int idx = arm_smmu_find_sme(smmu, id, mask);

		if (idx < 0) {
			ret = idx;
			break;
		}
		/*
		 * A fresh entry is claimed now so that the next ID of the same
		 * device sees it; its S2CR keeps the initial type until a
		 * domain is attached.
		 */
		if (smmu->smrs && smmu->s2crs[idx].count == 0)
			smmu->smrs[idx] = (struct arm_smmu_smr){
				.id = id, .mask = mask, .valid = true };
		smmu->s2crs[idx].count++;
		smendx[i] = idx;
	}
	if (!ret)
		return 0;

	while (i--) {
		bool freed;

		sme_drop(smmu, smendx[i], &freed);
		smendx[i] = INVALID_SMENDX;
	}
	return ret;
}

unsigned arm_smmu_sme_put(struct arm_smmu_device *smmu, int *smendx, unsigned n)
{
	unsigned nfreed = 0;

	for (unsigned i = 0; i < n; i++) {
		bool freed;

		if (smendx[i] == INVALID_SMENDX)
			continue;
		sme_drop(smmu, smendx[i], &freed);
		if (freed)
			nfreed++;
		else
			smendx[i] = INVALID_SMENDX;
	}
	return nfreed;
}
