/*
 * arm-smmu: Qualcomm's integrations (Linux: drivers/iommu/arm/arm-smmu/
 * arm-smmu-qcom.c), by SoC compatible, modelled for what a user can see:
 *
 * - the display, GPU and modem clients of qcom_smmu_client_of_match get
 *   an identity default domain (def_domain_type): the bootloader left
 *   their streams live (a splash screen, the modem's firmware), so Linux
 *   never translates them by default;
 * - on an Adreno GPU's SMMU (`qcom,adreno-smmu`) the GPU itself, the
 *   master with stream ID 0, always gets context bank 0 (its hardware
 *   switches page tables through it); every other master starts at 1;
 * - the MMU-500 based ones keep MMU-500's reset; MSM8996's application
 *   SMMUs (`qcom,msm8996-smmu-v2`) get no implementation at all, only its
 *   Adreno SMMU does.
 *
 * Not modelled: the hypervisor's S2CR quirk (bypass written as fault on
 * some firmware, detected by a write and read-back in cfg_probe: the
 * model keeps what is written, so Linux would not apply it either), the
 * stream mappings the bootloader leaves in place (the model's SMRs are
 * invalid at reset, so there are none to inherit), the SCM calls (the
 * SMMU only waits for qcom_scm to be bound), TBUs, and the
 * GPU's split page tables (TTBR1).
 */
#include <errno.h>

#include "kernel/base/device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/drivers/platform-suppliers.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"

/* Linux 6.12's qcom_smmu_client_of_match. */
static const struct of_device_id qcom_smmu_client_of_match[] = {
	{ .compatible = "qcom,adreno" },
	{ .compatible = "qcom,adreno-gmu" },
	{ .compatible = "qcom,mdp4" },
	{ .compatible = "qcom,mdss" },
	{ .compatible = "qcom,qcm2290-mdss" },
	{ .compatible = "qcom,sc7180-mdss" },
	{ .compatible = "qcom,sc7180-mss-pil" },
	{ .compatible = "qcom,sc7280-mdss" },
	{ .compatible = "qcom,sc7280-mss-pil" },
	{ .compatible = "qcom,sc8180x-mdss" },
	{ .compatible = "qcom,sc8280xp-mdss" },
	{ .compatible = "qcom,sdm670-mdss" },
	{ .compatible = "qcom,sdm845-mdss" },
	{ .compatible = "qcom,sdm845-mss-pil" },
	{ .compatible = "qcom,sm6115-mdss" },
	{ .compatible = "qcom,sm6350-mdss" },
	{ .compatible = "qcom,sm6375-mdss" },
	{ .compatible = "qcom,sm8150-mdss" },
	{ .compatible = "qcom,sm8250-mdss" },
	{ .compatible = "qcom,sm8450-mdss" },
	{ .compatible = "qcom,x1e80100-mdss" },
	{ NULL, NULL },
};

static int qcom_smmu_def_domain_type(struct device *dev)
{
	return of_match_node(qcom_smmu_client_of_match, dev->of_node) ?
	       (int)IOMMU_DOMAIN_IDENTITY : 0;
}

/* The GPU always uses stream ID 0: that is how Linux tells it from its GMU. */
static bool qcom_adreno_smmu_is_gpu_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	for (unsigned i = 0; fwspec && i < fwspec->num_ids; i++)
		if ((fwspec->ids[i] & SMR_ID_MASK) == 0)
			return true;
	return false;
}

static int qcom_adreno_smmu_alloc_context_bank(struct arm_smmu_domain *smmu_domain,
					       struct arm_smmu_device *smmu,
					       struct device *dev, int start)
{
	unsigned first = qcom_adreno_smmu_is_gpu_device(dev) ? 0 : 1;
	unsigned end = first == 0 ? 1 : smmu->num_context_banks;

	for (unsigned i = first; i < end; i++) {
		if (!smmu->context_map[i]) {
			smmu->context_map[i] = true;
			return (int)i;
		}
	}
	return -ENOSPC;
}

static const struct arm_smmu_impl qcom_smmu_v2_impl = {
	.def_domain_type = qcom_smmu_def_domain_type,
};

static const struct arm_smmu_impl qcom_smmu_500_impl = {
	.def_domain_type = qcom_smmu_def_domain_type,
	.reset = arm_mmu500_reset,
};

static const struct arm_smmu_impl qcom_adreno_smmu_v2_impl = {
	.def_domain_type = qcom_smmu_def_domain_type,
	.alloc_context_bank = qcom_adreno_smmu_alloc_context_bank,
};

static const struct arm_smmu_impl qcom_adreno_smmu_500_impl = {
	.def_domain_type = qcom_smmu_def_domain_type,
	.reset = arm_mmu500_reset,
	.alloc_context_bank = qcom_adreno_smmu_alloc_context_bank,
};

struct qcom_smmu_match_data {
	const struct arm_smmu_impl *impl;
	const struct arm_smmu_impl *adreno_impl;
};

static const struct qcom_smmu_match_data msm8996_smmu_data = {
	.impl = NULL, .adreno_impl = &qcom_adreno_smmu_v2_impl,
};
static const struct qcom_smmu_match_data qcom_smmu_v2_data = {
	.impl = &qcom_smmu_v2_impl, .adreno_impl = &qcom_adreno_smmu_v2_impl,
};
/* sdm845's reset adds a firmware call (wait-for-safe) nothing here observes. */
static const struct qcom_smmu_match_data qcom_smmu_500_data = {
	.impl = &qcom_smmu_500_impl, .adreno_impl = &qcom_adreno_smmu_500_impl,
};

/* Linux 6.12's qcom_smmu_impl_of_match. */
static const struct of_device_id qcom_smmu_impl_of_match[] = {
	{ .compatible = "qcom,msm8996-smmu-v2", .data = &msm8996_smmu_data },
	{ .compatible = "qcom,msm8998-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,qcm2290-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,qdu1000-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sc7180-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sc7180-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sc7280-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sc8180x-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sc8280xp-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sdm630-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sdm670-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sdm845-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sdm845-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm6115-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm6125-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm6350-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sm6350-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm6375-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sm6375-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm7150-smmu-v2", .data = &qcom_smmu_v2_data },
	{ .compatible = "qcom,sm8150-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm8250-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm8350-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,sm8450-smmu-500", .data = &qcom_smmu_500_data },
	{ .compatible = "qcom,smmu-500", .data = &qcom_smmu_500_data },
	{ NULL, NULL },
};

struct arm_smmu_device *qcom_smmu_impl_init(struct arm_smmu_device *smmu, int *err)
{
	const struct device_node *np = smmu->dev->of_node;
	const struct of_device_id *match = of_match_node(qcom_smmu_impl_of_match, np);
	const struct qcom_smmu_match_data *data;
	const struct arm_smmu_impl *impl;

	if (!match) {
		if (of_device_is_compatible(np, "qcom,adreno-smmu"))
			dev_warn(smmu->dev, "Missing qcom_smmu_impl_of_match entry for: %s",
				 dev_name(smmu->dev));
		return smmu;
	}
	data = match->data;
	impl = of_device_is_compatible(np, "qcom,adreno-smmu") ? data->adreno_impl : data->impl;
	if (!impl)
		return smmu;
	/* qcom_smmu_create: an implementation needs the secure channel manager. */
	if (!qcom_scm_is_available()) {
		*err = dev_err_probe(smmu->dev, -EPROBE_DEFER, "qcom_scm not ready");
		return NULL;
	}
	smmu->impl = impl;
	return smmu;
}
