// Monte Carlo experiments (reesim.Experiment): uncertain scenario parameters sampled by Monte Carlo,
// Latin hypercube, Sobol (Saltelli) or full factorial designs, named arms (overlays on the scenario) that
// share the same sample points and simulation seeds per replicate, so comparisons are paired, and
// outcomes aggregated over rounds. Runs execute in parallel with TBB; results do not depend on the
// thread count, shard split or MPI rank count.
//
// One job per header: experiment_spec.h (loading), distribution.h, parameter_path.h, design.h (run
// order and sample points), runner.h (the runs), summary.h (statistics), writer.h (output files),
// checkpoint.h (checkpoints and shard files), campaign.h (an experiment into a directory: shards,
// resume, merge). This header includes them all.
#pragma once

#include "experiments/campaign.h"
#include "experiments/checkpoint.h"
#include "experiments/design.h"
#include "experiments/distribution.h"
#include "experiments/experiment_spec.h"
#include "experiments/parameter_path.h"
#include "experiments/run_record.h"
#include "experiments/runner.h"
#include "experiments/summary.h"
#include "experiments/writer.h"
