# Thin wrapper over meson: the README's commands.
#   make demo    install build dependencies (as root), build, boot the built-in platform, run the tour
#   make check   build and run every test, then again under ASan+UBSan (and
#                -fsanitize=float-cast-overflow, which meson.build adds)
#   make explore long explorer runs: each catalogue bug on, and no bug on every
#                built-in platform for longer (docs/explore.md)
#   make bench   build optimised and print the benchmark figures (with valgrind,
#                installed as root, instructions per operation beside the times)

DEPS = meson ninja-build gcc libc6-dev cpp pkg-config libfdt-dev device-tree-compiler libcmocka-dev libedit-dev
# Only `make bench` needs these; without them it prints times only.
BENCH_DEPS = valgrind
BUILD ?= build
ASAN ?= build-asan
BENCHDIR ?= build-bench

.PHONY: all deps bench-deps demo check check-plain check-asan bench explore clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@sh tools/install-deps.sh $(DEPS)

bench-deps:
	@sh tools/install-deps.sh $(BENCH_DEPS) || echo "make bench: no valgrind, times only"

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

$(ASAN)/build.ninja: | deps
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

$(BENCHDIR)/build.ninja: | deps
	meson setup $(BENCHDIR) -Dbuildtype=release

# The tour ends on a deliberate isolation escape, which fails any run (status 1).
demo: all
	@./$(BUILD)/iommulab run --echo docs/tour.lab; s=$$?; [ $$s -eq 1 ] && \
		echo "demo: exit status 1, from the oracle's escape above, as it must be" || exit $$s

check: $(BUILD)/build.ninja $(ASAN)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN)
	@sh tools/run-tests.sh $(BUILD) $(ASAN)

# Each reachable catalogue bug must be found within 60 s; with no bug on, ten
# minutes on two cores over each platform the scenarios boot find nothing.
EXPLORE_BUGS = group-ref sme-freed-on-unbind owner-while-kernel missed-tlbi fq-not-drained vfio-unmap-keeps-mapping
EXPLORE_TIME ?= 120
explore: all
	@for b in $(EXPLORE_BUGS); do echo "== --bug $$b"; \
		./$(BUILD)/iommulab explore --bug $$b --time 60 --jobs 2; s=$$?; \
		[ $$s -eq 1 ] || { echo "make explore: --bug $$b: no break in 60 s"; exit 1; }; done
	@for p in "" tests/scenarios/platforms/smmuv3-virt.dts tests/scenarios/platforms/smmu-smr2.dts \
		tests/scenarios/platforms/smmu-cb2.dts; do echo "== no bug $${p:-built-in}"; \
		./$(BUILD)/iommulab explore $${p:+--platform $$p} --time $(EXPLORE_TIME) --jobs 2 || exit 1; done

bench: $(BENCHDIR)/build.ninja bench-deps
	ninja -C $(BENCHDIR)
	@sh tools/run-bench.sh $(BENCHDIR)

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCHDIR)
