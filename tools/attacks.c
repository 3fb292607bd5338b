/*
 * `iommulab attacks`: each attack of the library runs in each configuration
 * on a fresh lab, as shell lines (so every cell is a scenario one can
 * replay), and the attack's last DMA gives the cell its verdict from the
 * isolation oracle (docs/attacks.md):
 *
 *   blocked     the IOMMU faulted the DMA
 *   contained   it completed, only where the device was granted
 *   escape      the oracle's escape: memory the device was never granted
 *   lazy        through a stale IOTLB entry inside a DMA-FQ domain's flush
 *               window, which Linux accepts (iommu.strict=0)
 *   unisolated  bypass or identity, which the kernel chose
 *   injected    an MSI doorbell took a message it cannot tell from a real one
 *
 * Two tables: the platform-bus attacks run on
 * tests/scenarios/platforms/attack-v2m.dts and attack-its.dts, the PCI
 * attacks on attack-pci.dts, attack-pci-noacs.dts and attack-pci-v2m.dts,
 * all compiled into the command (tools/meson.build).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommulab/lab.h"
#include "attacks.h"

extern const char lab_platform_attack_v2m_start[], lab_platform_attack_v2m_end[];
extern const char lab_platform_attack_its_start[], lab_platform_attack_its_end[];
extern const char lab_platform_attack_pci_start[], lab_platform_attack_pci_end[];
extern const char lab_platform_attack_pci_noacs_start[], lab_platform_attack_pci_noacs_end[];
extern const char lab_platform_attack_pci_v2m_start[], lab_platform_attack_pci_v2m_end[];

enum msi_ctl { MSI_V2M, MSI_ITS };

/* Which masters an attack needs: the platform bus's or PCI functions. */
enum table { T_PLATFORM, T_PCI, NR_TABLES };

struct platform_blob {
	const char *file;
	const char *start, *end;
};

static const struct platform_blob blobs[] = {
	{ "attack-v2m.dts", lab_platform_attack_v2m_start, lab_platform_attack_v2m_end },
	{ "attack-its.dts", lab_platform_attack_its_start, lab_platform_attack_its_end },
	{ "attack-pci.dts", lab_platform_attack_pci_start, lab_platform_attack_pci_end },
	{ "attack-pci-noacs.dts", lab_platform_attack_pci_noacs_start,
	  lab_platform_attack_pci_noacs_end },
	{ "attack-pci-v2m.dts", lab_platform_attack_pci_v2m_start, lab_platform_attack_pci_v2m_end },
};
enum { B_V2M, B_ITS, B_PCI, B_PCI_NOACS, B_PCI_V2M };

struct config {
	const char *name;
	enum table table;
	int blob;
	enum msi_ctl msi;
	const char *cmdline;
	const char *what;
};

static const struct config configs[] = {
	{ "default", T_PLATFORM, B_V2M, MSI_V2M, "",
	  "arm-smmu.disable_bypass=1, strict, DMA domains, GICv2m" },
	{ "bypass", T_PLATFORM, B_V2M, MSI_V2M, "arm-smmu.disable_bypass=0",
	  "unmatched streams bypass the SMMU" },
	{ "lazy", T_PLATFORM, B_V2M, MSI_V2M, "iommu.strict=0",
	  "DMA-FQ domains: unmaps flushed by a timer" },
	{ "identity", T_PLATFORM, B_V2M, MSI_V2M, "iommu.passthrough=1", "identity default domains" },
	{ "its", T_PLATFORM, B_ITS, MSI_ITS, "", "the defaults with a GICv3 ITS instead of GICv2m" },
	{ "its-identity", T_PLATFORM, B_ITS, MSI_ITS, "iommu.passthrough=1",
	  "identity default domains, GICv3 ITS" },
	/* A kernel bug on purpose (arm-smmu's test switch): the oracle must catch it. */
	{ "no-tlbi", T_PLATFORM, B_V2M, MSI_V2M, "arm-smmu.lab_skip_tlbi=1",
	  "a driver that forgets its TLB invalidations" },
	{ "acs", T_PCI, B_PCI, MSI_ITS, "",
	  "the switch's downstream ports with ACS (SV, RR, CR, UF), DMA domains, GICv3 ITS" },
	{ "no-acs", T_PCI, B_PCI_NOACS, MSI_ITS, "",
	  "downstream ports without ACS (iommulab,no-acs), DMA domains, GICv3 ITS" },
	{ "pci-v2m", T_PCI, B_PCI_V2M, MSI_V2M, "", "ACS, DMA domains, GICv2m" },
	{ "pci-identity", T_PCI, B_PCI, MSI_ITS, "iommu.passthrough=1",
	  "ACS, identity default domains, GICv3 ITS" },
	{ "v2m-identity", T_PCI, B_PCI_V2M, MSI_V2M, "iommu.passthrough=1",
	  "ACS, identity default domains, GICv2m" },
};
#define NR_CONFIGS (sizeof(configs) / sizeof(configs[0]))

/* One cell being run: the scenario text so far and the last line's output. */
struct cell {
	const struct config *cfg;
	FILE *lab;
	char *text;
	size_t len;
	char out[4096];
	int status;
	bool msi_doorbell;   /* the attack's DMA aimed at an MSI doorbell */
};

struct attack {
	const char *name;
	enum table table;
	const char *what;
	void (*run)(struct cell *c);
};

/* Runs one shell line, records it and its output in the scenario. */
static void __attribute__((format(printf, 2, 3))) step(struct cell *c, const char *fmt, ...)
{
	char line[512], *buf = NULL;
	size_t len = 0;
	va_list ap;
	FILE *cap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cap = open_memstream(&buf, &len);
	c->status = cap ? lab_exec(line, cap) : -1;
	if (cap)
		fclose(cap);
	snprintf(c->out, sizeof(c->out), "%s", buf ? buf : "");
	fprintf(c->lab, "$ %s\n%s", line, c->out);
	if (len && buf[len - 1] != '\n')
		fputc('\n', c->lab);
	free(buf);
}

static void comment(struct cell *c, const char *text)
{
	fprintf(c->lab, "# %s\n", text);
}

/* The IOVA dmatest wrote to ("copied N bytes from A to B ok"): B. */
static unsigned long long dmatest_dst(const struct cell *c)
{
	const char *to = strstr(c->out, " to 0x");

	return to ? strtoull(to + 4, NULL, 16) : 0;
}

#define ATTACKER "a001000.dma"

static void rogue_write(struct cell *c)
{
	comment(c, "a001000.dma, bound to dma-copy with nothing mapped, writes the first");
	comment(c, "page of RAM, which the kernel owns.");
	step(c, "dma " ATTACKER " write 0x40000000 4096 0x5a");
}

static void after_unbind(struct cell *c)
{
	comment(c, "The driver maps, copies and unmaps a buffer, then unbinds; the device");
	comment(c, "keeps DMAing at the IOVA it was last given.");
	step(c, "dmatest " ATTACKER);
	unsigned long long iova = dmatest_dst(c);
	step(c, "echo " ATTACKER " > /sys/bus/platform/drivers/dma-copy/unbind");
	step(c, "dma " ATTACKER " write 0x%llx 4096 0x5a", iova);
}

static void lazy_window(struct cell *c)
{
	comment(c, "The driver unmaps its buffer; the device writes through the IOVA at");
	comment(c, "once, before a flush queue's timer would invalidate the IOTLB.");
	step(c, "dmatest " ATTACKER);
	step(c, "dma " ATTACKER " write 0x%llx 4096 0x5a", dmatest_dst(c));
}

static void unmatched_stream(struct cell *c)
{
	comment(c, "a003000.dma found no free stream-match register: its stream 0x103");
	comment(c, "matches no SMR, and sCR0.USFCFG decides what happens to it.");
	step(c, "expect errno ENOENT readlink /sys/bus/platform/devices/a003000.dma/iommu_group");
	step(c, "dma a003000.dma write 0x40000000 4096 0x5a");
}

static void msi_inject(struct cell *c)
{
	c->msi_doorbell = true;
	if (c->cfg->msi == MSI_V2M) {
		comment(c, "A rogue MSI: SPI 96, the GICv2m frame's first vector (any device's),");
		comment(c, "written to MSI_SETSPI_NS at its physical address.");
		step(c, "dma " ATTACKER " write32 0x8020040 96");
	} else {
		comment(c, "A rogue MSI: EventID 0 written to GITS_TRANSLATER at its physical");
		comment(c, "address; the ITS looks it up under the attacker's DeviceID 0x11.");
		step(c, "dma " ATTACKER " write32 0x8090040 0");
	}
}

/* The number N in readlink's ".../kernel/iommu_groups/N", or -1. */
static int group_of(const struct cell *c)
{
	const char *g = strstr(c->out, "iommu_groups/");

	return g ? atoi(g + 13) : -1;
}

/* The start of BAR 0 in sysfs's resource file: its first line. */
static unsigned long long bar0_of(const struct cell *c)
{
	return strtoull(c->out, NULL, 16);
}

#define PCI_ATTACKER "0000:04:00.0"

static void p2p_no_acs(struct cell *c)
{
	comment(c, "04:00.0 and 05:00.0 sit below two downstream ports of one switch.");
	comment(c, "04:00.0 writes into 05:00.0's BAR 0: with ACS P2P Request Redirect the");
	comment(c, "ingress port sends it up to the SMMU, without it the switch turns it");
	comment(c, "to the peer and no IOMMU sees it.");
	step(c, "readlink /sys/bus/pci/devices/" PCI_ATTACKER "/iommu_group");
	step(c, "readlink /sys/bus/pci/devices/0000:05:00.0/iommu_group");
	step(c, "setpci -s 03:00.0 106.w");
	step(c, "cat /sys/bus/pci/devices/0000:05:00.0/resource");
	unsigned long long bar = bar0_of(c);
	step(c, "dma " PCI_ATTACKER " write 0x%llx 16", bar);
}

static void rid_alias(struct cell *c)
{
	comment(c, "07:01.0 and 07:02.0 are conventional PCI behind the PCIe-to-PCI bridge");
	comment(c, "06:00.0: their DMA carries the bridge's requester ID, 07:00.0, so the");
	comment(c, "SMMU cannot tell them apart and the kernel puts them in one group.");
	step(c, "readlink /sys/bus/pci/devices/0000:07:02.0/iommu_group");
	step(c, "readlink /sys/bus/pci/devices/0000:07:01.0/iommu_group");
	int group = group_of(c);
	comment(c, "A user asks VFIO for 07:01.0: the group is viable only once 07:02.0");
	comment(c, "has left its kernel driver too.");
	step(c, "modprobe vfio-pci");
	step(c, "echo 0000:07:01.0 > /sys/bus/pci/drivers/dma-copy/unbind");
	step(c, "echo vfio-pci > /sys/bus/pci/devices/0000:07:01.0/driver_override");
	step(c, "echo 0000:07:01.0 > /sys/bus/pci/drivers/vfio-pci/bind");
	step(c, "vfio container");
	step(c, "vfio group %d", group);
	step(c, "expect errno EPERM vfio set-container %d", group);
	step(c, "echo 0000:07:02.0 > /sys/bus/pci/drivers/dma-copy/unbind");
	step(c, "echo vfio-pci > /sys/bus/pci/devices/0000:07:02.0/driver_override");
	step(c, "echo 0000:07:02.0 > /sys/bus/pci/drivers/vfio-pci/bind");
	step(c, "vfio set-container %d", group);
	if (c->cfg->msi == MSI_V2M) {
		comment(c, "GICv2m does not isolate MSIs: type1 takes the group only if allowed.");
		step(c, "echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
	}
	step(c, "vfio set-iommu type1v2");
	step(c, "vfio map 0x100000 0x1000");
	comment(c, "The hidden device writes the user's IOVA: through the group's domain.");
	step(c, "setpci -s 07:02.0 4.w=6");
	step(c, "dma 0000:07:02.0 write 0x100000 16");
}

static void msi_inject_pci(struct cell *c)
{
	c->msi_doorbell = true;
	if (c->cfg->msi == MSI_V2M) {
		comment(c, "A rogue MSI from 04:00.0: SPI 96, the GICv2m frame's first vector");
		comment(c, "(any function's), written to MSI_SETSPI_NS at its physical address.");
		step(c, "dma " PCI_ATTACKER " write32 0x8020040 96");
	} else {
		comment(c, "A rogue MSI from 04:00.0: EventID 0 written to GITS_TRANSLATER at its");
		comment(c, "physical address; the ITS looks it up under DeviceID 0x400, the RID.");
		step(c, "dma " PCI_ATTACKER " write32 0x8090040 0");
	}
}

static const struct attack attacks[] = {
	{ "rogue-write", T_PLATFORM, "a master with no mapping writes a kernel-owned frame",
	  rogue_write },
	{ "after-unbind", T_PLATFORM, "the driver unbinds, the device keeps DMAing", after_unbind },
	{ "lazy-window", T_PLATFORM, "DMA through an unmapped IOVA before the IOTLB flush",
	  lazy_window },
	{ "unmatched-stream", T_PLATFORM, "a stream no SMR matches writes RAM", unmatched_stream },
	{ "msi-inject", T_PLATFORM, "a device writes an arbitrary MSI to the doorbell", msi_inject },
	{ "p2p-no-acs", T_PCI, "peer-to-peer through a switch without ACS, around the IOMMU",
	  p2p_no_acs },
	{ "rid-alias", T_PCI, "a device behind a PCIe-to-PCI bridge DMAs with another's requester ID",
	  rid_alias },
	{ "msi-inject-pci", T_PCI, "a PCI function writes an arbitrary MSI to the doorbell",
	  msi_inject_pci },
};
#define NR_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

struct result {
	const char *verdict;
	const char *oracle;   /* the oracle's word on the attack's DMA */
	int replay_status;    /* what `iommulab run` of the scenario exits with */
	char *scenario;
};

/* The oracle's word in "... ok [oracle: unisolated]". */
static void oracle_word(const char *out, char *buf, size_t size)
{
	const char *p = strstr(out, "[oracle: ");
	size_t n = 0;

	buf[0] = '\0';
	if (!p)
		return;
	p += 9;
	while (p[n] && p[n] != ']' && n + 1 < size)
		n++;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static const char *judge(const struct cell *c, const char *oracle, unsigned long long escapes)
{
	if (escapes || !strcmp(oracle, "escape") || !strcmp(oracle, "stale"))
		return "escape";
	if (strstr(c->out, "faulted"))
		return "blocked";
	/*
	 * A doorbell write that got there: GICv2m has no sideband, so any SPI
	 * of its range fires, another device's vector included; the ITS fires
	 * only an event mapped under the DeviceID the bus gave the write.
	 */
	if (c->msi_doorbell)
		return c->cfg->msi == MSI_V2M ? "injected" : "contained";
	if (!strcmp(oracle, "lazy"))
		return "lazy";
	if (!strcmp(oracle, "unisolated"))
		return "unisolated";
	return "contained";
}

static const char *platform_file(const struct config *cfg)
{
	return blobs[cfg->blob].file;
}

static int boot(const struct config *cfg, const char *platform, char *msg, size_t msglen)
{
	const struct platform_blob *b = &blobs[cfg->blob];

	if (platform)
		return lab_boot(platform, cfg->cmdline, msg, msglen);
	return lab_boot_blob(b->start, b->end - b->start, cfg->cmdline, msg, msglen);
}

/* Runs one cell on a fresh lab; -1 (reason on stderr) when the lab did not boot. */
static int run_cell(const struct attack *a, const struct config *cfg, const char *platform,
		    struct result *r)
{
	struct cell c = { .cfg = cfg };
	char msg[512], oracle[32];
	unsigned long long escapes;

	memset(r, 0, sizeof(*r));
	c.lab = open_memstream(&c.text, &c.len);
	if (!c.lab)
		return -1;
	fprintf(c.lab, "#! platform %s%s\n", platform ? "" : "platforms/",
		platform ? platform : platform_file(cfg));
	if (cfg->cmdline[0])
		fprintf(c.lab, "#! cmdline %s\n", cfg->cmdline);
	fprintf(c.lab, "# iommulab attacks --scenario %s %s: %s\n", a->name, cfg->name, a->what);
	fprintf(c.lab, "# under %s (%s).\n", cfg->name, cfg->what);
	if (boot(cfg, platform, msg, sizeof(msg))) {
		fprintf(stderr, "iommulab: %s\n", msg);
		fclose(c.lab);
		free(c.text);
		return -1;
	}
	a->run(&c);
	escapes = lab_shutdown();
	oracle_word(c.out, oracle, sizeof(oracle));
	r->verdict = judge(&c, oracle, escapes);
	r->oracle = strcmp(oracle, "") ? strdup(oracle) : strdup("none");
	r->replay_status = escapes ? 1 : 0;
	fprintf(c.lab, "# verdict: %s\n", r->verdict);
	fclose(c.lab);
	r->scenario = c.text;
	return 0;
}

static void result_free(struct result *r)
{
	free((char *)r->oracle);
	free(r->scenario);
}

static const char usage_text[] =
	"usage: iommulab attacks [--platform PLATFORM] [--pci-platform PLATFORM] [--json]\n"
	"       iommulab attacks [--platform PLATFORM] [--pci-platform PLATFORM]\n"
	"                        --scenario ATTACK CONFIG\n";

static void help(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	      "Run each DMA attack of the library against each configuration, on a fresh\n"
	      "lab per cell, and print the matrix of outcomes judged by the isolation\n"
	      "oracle: blocked, contained, escape, lazy, unisolated or injected\n"
	      "(docs/attacks.md). Two tables: the platform-bus attacks, then the PCI ones.\n"
	      "\n"
	      "  --platform PLATFORM a .dts or .dtb file with the attack platform's masters\n"
	      "                      (default: tests/scenarios/platforms/attack-v2m.dts and\n"
	      "                      attack-its.dts, built in)\n"
	      "  --pci-platform PLATFORM\n"
	      "                      the same for the PCI table's functions (default:\n"
	      "                      attack-pci.dts, attack-pci-noacs.dts, attack-pci-v2m.dts)\n"
	      "  --json              one JSON object per cell, a line each\n"
	      "  --scenario ATTACK CONFIG\n"
	      "                      print the cell's scenario (docs/scenarios.md), which\n"
	      "                      `iommulab run` replays from tests/scenarios/\n"
	      "\n"
	      "Exit status: 0 the matrix or scenario was printed, 2 bad usage or a\n"
	      "platform that does not boot.\n", stdout);
}

static int __attribute__((format(printf, 1, 2))) usage(const char *fmt, ...)
{
	va_list ap;

	fputs("iommulab: attacks: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%sTry 'iommulab attacks --help' for more information.\n", usage_text);
	return 2;
}

static const struct attack *attack_find(const char *name)
{
	for (size_t i = 0; i < NR_ATTACKS; i++)
		if (!strcmp(attacks[i].name, name))
			return &attacks[i];
	return NULL;
}

static const struct config *config_find(const char *name)
{
	for (size_t i = 0; i < NR_CONFIGS; i++)
		if (!strcmp(configs[i].name, name))
			return &configs[i];
	return NULL;
}

static const char *const table_names[NR_TABLES] = { "a platform-bus", "a PCI" };

static int print_scenario(const char *an, const char *cn, const char *const *platforms)
{
	const struct attack *a = attack_find(an);
	const struct config *cfg = config_find(cn);
	struct result r;

	if (!a)
		return usage("no attack '%s'", an);
	if (!cfg)
		return usage("no configuration '%s'", cn);
	if (a->table != cfg->table)
		return usage("%s is %s attack, %s %s configuration", a->name,
			     table_names[a->table], cfg->name, table_names[cfg->table]);
	if (run_cell(a, cfg, platforms[cfg->table], &r))
		return 2;
	fputs(r.scenario, stdout);
	result_free(&r);
	return 0;
}

static void print_json(const struct attack *a, const struct config *cfg, const struct result *r)
{
	printf("{\"attack\":\"%s\",\"config\":\"%s\",\"platform\":\"%s\",\"cmdline\":\"%s\","
	       "\"verdict\":\"%s\",\"oracle\":\"%s\",\"replay_status\":%d}\n", a->name, cfg->name,
	       platform_file(cfg), cfg->cmdline, r->verdict, r->oracle, r->replay_status);
}

static void print_legend(enum table t)
{
	printf("\n");
	for (size_t i = 0; i < NR_CONFIGS; i++)
		if (configs[i].table == t)
			printf("%-13s %s%s%s\n", configs[i].name, configs[i].what,
			       configs[i].cmdline[0] ? ": " : "", configs[i].cmdline);
}

static void print_header(enum table t)
{
	size_t last = 0;

	for (size_t j = 0; j < NR_CONFIGS; j++)
		if (configs[j].table == t)
			last = j;
	printf("%-17s", "attack");
	for (size_t j = 0; j < NR_CONFIGS; j++)
		if (configs[j].table == t)
			printf(j < last ? " %-12s" : " %s", configs[j].name);
	printf("\n");
}

/* One table: the attacks that need its masters against its configurations. */
static int table(enum table t, const char *platform, bool json)
{
	struct result r;
	size_t last = 0;

	for (size_t j = 0; j < NR_CONFIGS; j++)
		if (configs[j].table == t)
			last = j;
	if (!json)
		print_header(t);
	for (size_t i = 0; i < NR_ATTACKS; i++) {
		const struct attack *a = &attacks[i];

		if (a->table != t)
			continue;
		if (!json)
			printf("%-17s", a->name);
		for (size_t j = 0; j < NR_CONFIGS; j++) {
			if (configs[j].table != t)
				continue;
			if (run_cell(a, &configs[j], platform, &r))
				return 2;
			if (json)
				print_json(a, &configs[j], &r);
			else
				printf(j < last ? " %-12s" : " %s", r.verdict);
			result_free(&r);
		}
		if (!json)
			printf("\n");
		fflush(stdout);
	}
	if (!json)
		print_legend(t);
	return 0;
}

static int matrix(const char *const *platforms, bool json)
{
	for (int t = 0; t < NR_TABLES; t++) {
		if (t && !json)
			printf("\n");
		if (table(t, platforms[t], json))
			return 2;
	}
	return 0;
}

int attacks_main(int argc, char **argv)
{
	const char *platforms[NR_TABLES] = { NULL }, *scen_attack = NULL, *scen_config = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--platform") || !strcmp(argv[i], "--pci-platform")) {
			if (i + 1 >= argc)
				return usage("option '%s' needs an argument", argv[i]);
			platforms[!strcmp(argv[i], "--pci-platform") ? T_PCI : T_PLATFORM] =
				argv[i + 1];
			i++;
		} else if (!strncmp(argv[i], "--platform=", 11)) {
			platforms[T_PLATFORM] = argv[i] + 11;
		} else if (!strncmp(argv[i], "--pci-platform=", 15)) {
			platforms[T_PCI] = argv[i] + 15;
		} else if (!strcmp(argv[i], "--scenario")) {
			if (i + 2 >= argc)
				return usage("option '--scenario' needs ATTACK and CONFIG");
			scen_attack = argv[++i];
			scen_config = argv[++i];
		} else if (argv[i][0] == '-') {
			return usage("unknown option '%s'", argv[i]);
		} else {
			return usage("unexpected argument '%s'", argv[i]);
		}
	}
	if (scen_attack && json)
		return usage("--json and --scenario do not go together");
	if (scen_attack)
		return print_scenario(scen_attack, scen_config, platforms);
	return matrix(platforms, json);
}
