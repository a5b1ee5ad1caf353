"""Example arguments for every recipe the registry holds, shared by the tests that build them all.

A new recipe must get an entry here: ``test_registry.py`` fails while one is missing. The
examples draw no noise (a timm noise node needs torch to evaluate), so every schedule built
from them evaluates without torch.
"""

from __future__ import annotations

from typing import Any

import lrkit


# Module-level, so that the schedules holding them print something real.
def reciprocal(step: int) -> float:
    return 1.0 / (1.0 + step)


def ninety_percent(step: int) -> float:
    return 0.9


def halving(cycle: float) -> float:
    return 0.5 ** (cycle - 1)


#: Qualified recipe name -> example keyword arguments (one or more sets).
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    # lrkit's own shapes.
    "lrkit:constant": [{}, {"factor": 0.5}],
    "lrkit:cosine": [{"t_initial": 10}, {"t_initial": 12, "lr_min": 0.01, "k_decay": 1.5}],
    "lrkit:cosine_wave": [{"t_initial": 10, "cycles": 1.5, "lr_min": 0.01}],
    "lrkit:cyclic": [
        {"max_lr": 2.0, "step_size_up": 3},
        {"max_lr": 2.0, "step_size_up": 2, "step_size_down": 5, "mode": "exp_range", "gamma": 0.9},
    ],
    "lrkit:exponential": [{"gamma": 0.9}],
    "lrkit:inverse_time": [{"decay_rate": 0.5, "decay_t": 3}],
    "lrkit:log_ramp": [{"t_initial": 7}, {"t_initial": 4, "start_factor": 0.1}],
    "lrkit:exp_ramp": [{"period": 5}],
    "lrkit:piecewise_constant": [{"boundaries": [3, 7], "factors": [1.0, 0.5, 0.1]}],
    "lrkit:piecewise_cosine": [{"points": [(0, 0.1), (5, 1.0), (20, 0.05)]}],
    "lrkit:cosine_power": [{"t_initial": 10, "exponent": 2.0, "end_factor": 0.05}],
    "lrkit:linear": [{"t_initial": 8, "start_factor": 0.1, "end_factor": 1.0}],
    "lrkit:multistep": [{"milestones": [3, 6], "decay_rate": 0.5}],
    "lrkit:one_cycle": [
        {"total_t": 30},
        {"total_t": 40, "pct_start": 0.25, "anneal": "linear", "three_phase": True},
    ],
    "lrkit:piecewise_linear": [{"points": [(0, 0.0), (5, 1.0), (20, 0.1)]}],
    "lrkit:poly": [{"t_initial": 10, "power": 2.0, "lr_min": 0.01}],
    "lrkit:rsqrt": [{"timescale": 5}],
    "lrkit:step": [{"decay_t": 3, "decay_rate": 0.5}],
    "lrkit:tanh": [{"t_initial": 10}],
    "lrkit:wsd": [
        {"t_initial": 20, "decay_t": 5},
        {
            "t_initial": 20,
            "decay_t": 5,
            "warmup_t": 2,
            "lr_min": 0.01,
            "stable_fn": "rsqrt",
            "decay_fn": "exp",
        },
    ],
    # timm's.
    "timm:constant": [{}, {"warmup_t": 3, "warmup_lr_init": 0.1}],
    "timm:cosine": [
        {"t_initial": 10},
        {
            "t_initial": 10,
            "lr_min": 0.01,
            "cycle_mul": 2,
            "cycle_decay": 0.5,
            "cycle_limit": 3,
            "warmup_t": 2,
            "warmup_lr_init": 0.01,
        },
    ],
    "timm:multistep": [{"decay_t": [3, 6], "decay_rate": 0.5, "warmup_t": 2}],
    "timm:plateau": [{}, {"decay_rate": 0.5, "patience_t": 2, "mode": "min"}],
    "timm:poly": [{"t_initial": 10, "power": 2.0, "warmup_t": 2, "warmup_prefix": True}],
    "timm:rsqrt": [{"t_initial": 20, "decay_t": 4, "warmup_t": 2}],
    "timm:step": [{"decay_t": 3, "decay_rate": 0.5}],
    "timm:tanh": [
        {"t_initial": 10, "warmup_t": 3},
        {"t_initial": 10, "warmup_t": 3, "warmup_prefix": True, "cycle_limit": 2},
    ],
    "timm:wsd": [{"t_initial": 20, "decay_t": 5, "lr_min": 0.01}],
    # torch's.
    "torch:ChainedScheduler": [
        {"schedulers": [lrkit.step(decay_t=3, decay_rate=0.5), lrkit.exponential(gamma=0.9)]}
    ],
    "torch:ConstantLR": [{}, {"factor": 0.5, "total_iters": 3}],
    "torch:CosineAnnealingLR": [{"T_max": 10, "eta_min": 0.01}],
    "torch:CosineAnnealingWarmRestarts": [{"T_0": 3, "T_mult": 2, "eta_min": 0.01}],
    "torch:CyclicLR": [
        {"max_lr": 2.0, "step_size_up": 3},
        {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"},
        {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "scale_fn": halving},
    ],
    "torch:ExponentialLR": [{"gamma": 0.9}],
    "torch:LambdaLR": [{"lr_lambda": reciprocal}],
    "torch:LinearLR": [{}, {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 8}],
    "torch:MultiplicativeLR": [{"lr_lambda": ninety_percent}],
    "torch:MultiStepLR": [{"milestones": [6, 3], "gamma": 0.5}],
    "torch:OneCycleLR": [
        {"max_lr": 0.1, "total_steps": 30},
        {"epochs": 3, "steps_per_epoch": 10, "three_phase": True, "anneal_strategy": "linear"},
    ],
    "torch:PolynomialLR": [{"total_iters": 8, "power": 2.0}],
    "torch:ReduceLROnPlateau": [{}, {"mode": "max", "factor": 0.5}],
    "torch:SequentialLR": [
        {
            "schedulers": [
                lrkit.linear(t_initial=5, start_factor=0.1, end_factor=1.0),
                lrkit.cosine(t_initial=10),
            ],
            "milestones": [5],
        }
    ],
    "torch:StepLR": [{"step_size": 3, "gamma": 0.5}],
    # transformers'.
    "transformers:constant": [{}],
    "transformers:constant_with_warmup": [{"num_warmup_steps": 4}],
    "transformers:cosine": [
        {"num_warmup_steps": 3, "num_training_steps": 20},
        {"num_warmup_steps": 0, "num_training_steps": 20, "num_cycles": 1.5},
    ],
    "transformers:cosine_warmup_with_min_lr": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr_rate": 0.1},
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "warmup_lr_rate": 0.2},
    ],
    "transformers:cosine_with_min_lr": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01},
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "base_lr": 0.1},
    ],
    "transformers:cosine_with_restarts": [{"num_warmup_steps": 2, "num_training_steps": 20, "num_cycles": 3}],
    "transformers:inverse_sqrt": [{"num_warmup_steps": 4}, {"num_warmup_steps": 0, "timescale": 7}],
    "transformers:linear": [{"num_warmup_steps": 3, "num_training_steps": 20}],
    "transformers:polynomial": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "power": 2.0},
        {"num_warmup_steps": 3, "num_training_steps": 20, "lr_end": 0.01, "base_lr": 0.1},
    ],
    "transformers:reduce_lr_on_plateau": [{}, {"factor": 0.5, "patience": 2}],
    "transformers:warmup_stable_decay": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "num_decay_steps": 5},
        {
            "num_warmup_steps": 3,
            "num_training_steps": 20,
            "num_decay_steps": 5,
            "warmup_type": "1-sqrt",
            "decay_type": "linear",
            "min_lr_ratio": 0.1,
        },
    ],
    # Keras's.
    "keras:CosineDecay": [
        {"initial_learning_rate": 0.1, "decay_steps": 20},
        {
            "initial_learning_rate": 0.01,
            "decay_steps": 20,
            "alpha": 0.1,
            "warmup_target": 0.1,
            "warmup_steps": 4,
        },
    ],
    "keras:CosineDecayRestarts": [
        {"initial_learning_rate": 0.1, "first_decay_steps": 5},
        {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
    ],
    "keras:ExponentialDecay": [
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5},
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True},
    ],
    "keras:InverseTimeDecay": [
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5},
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True},
    ],
    "keras:PiecewiseConstantDecay": [{"boundaries": [3, 10], "values": [0.1, 0.05, 0.01]}],
    "keras:PolynomialDecay": [
        {"initial_learning_rate": 0.1, "decay_steps": 20},
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 8,
            "end_learning_rate": 0.01,
            "power": 2.0,
            "cycle": True,
        },
    ],
    # optax's.
    "optax:constant_schedule": [{"value": 0.1}],
    "optax:cosine_decay_schedule": [
        {"init_value": 0.1, "decay_steps": 20},
        {"init_value": 0.1, "decay_steps": 20, "alpha": 0.1, "exponent": 2.0},
    ],
    "optax:cosine_onecycle_schedule": [{"transition_steps": 30, "peak_value": 0.1}],
    "optax:exponential_decay": [
        {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5},
        {
            "init_value": 0.1,
            "transition_steps": 5,
            "decay_rate": 0.5,
            "transition_begin": 3,
            "staircase": True,
            "end_value": 0.01,
        },
    ],
    "optax:join_schedules": [
        {
            "schedules": [
                {"name": "linear_schedule", "init_value": 0.0, "end_value": 0.1, "transition_steps": 5},
                {"name": "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 15},
            ],
            "boundaries": [5],
        }
    ],
    "optax:linear_onecycle_schedule": [{"transition_steps": 30, "peak_value": 0.1}],
    "optax:linear_schedule": [
        {"init_value": 0.1, "end_value": 0.0, "transition_steps": 20, "transition_begin": 2}
    ],
    "optax:piecewise_constant_schedule": [{"init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}}],
    "optax:piecewise_interpolate_schedule": [
        {"interpolate_type": "linear", "init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}},
        {"interpolate_type": "cosine", "init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}},
    ],
    "optax:polynomial_schedule": [
        {"init_value": 0.1, "end_value": 0.001, "power": 2.0, "transition_steps": 20, "transition_begin": 2}
    ],
    "optax:sgdr_schedule": [
        {
            "cosine_kwargs": [
                {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 2, "decay_steps": 10},
                {
                    "init_value": 0.0,
                    "peak_value": 0.05,
                    "warmup_steps": 2,
                    "decay_steps": 20,
                    "end_value": 0.001,
                },
            ]
        }
    ],
    "optax:warmup_constant_schedule": [{"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5}],
    "optax:warmup_cosine_decay_schedule": [
        {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 20},
        {"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 20, "end_value": 0.001},
    ],
    "optax:warmup_exponential_decay_schedule": [
        {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "transition_steps": 4, "decay_rate": 0.5}
    ],
    # mmengine: each family's arguments for its LR, Momentum and ParamScheduler forms.
    "mmengine:StepLR": [
        {"step_size": 3, "gamma": 0.5, "by_epoch": False},
        {"step_size": 2, "epoch_length": 4},
    ],
    "mmengine:StepMomentum": [
        {"step_size": 3, "gamma": 0.5, "by_epoch": False},
        {"step_size": 2, "epoch_length": 4},
    ],
    "mmengine:StepParamScheduler": [
        {"param_name": "weight_decay", "step_size": 3, "gamma": 0.5, "by_epoch": False},
        {"param_name": "weight_decay", "step_size": 2, "epoch_length": 4},
    ],
    "mmengine:MultiStepLR": [
        {"milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
        {"milestones": [1, 2], "epoch_length": 5, "convert_to_iter_based": True},
    ],
    "mmengine:MultiStepMomentum": [
        {"milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
        {"milestones": [1, 2], "epoch_length": 5, "convert_to_iter_based": True},
    ],
    "mmengine:MultiStepParamScheduler": [
        {"param_name": "weight_decay", "milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
        {
            "param_name": "weight_decay",
            "milestones": [1, 2],
            "epoch_length": 5,
            "convert_to_iter_based": True,
        },
    ],
    "mmengine:ConstantLR": [{"factor": 0.5, "end": 5, "by_epoch": False}],
    "mmengine:ConstantMomentum": [{"factor": 0.5, "end": 5, "by_epoch": False}],
    "mmengine:ConstantParamScheduler": [
        {"param_name": "weight_decay", "factor": 0.5, "end": 5, "by_epoch": False}
    ],
    "mmengine:ExponentialLR": [{"gamma": 0.9, "begin": 2, "by_epoch": False}],
    "mmengine:ExponentialMomentum": [{"gamma": 0.9, "begin": 2, "by_epoch": False}],
    "mmengine:ExponentialParamScheduler": [
        {"param_name": "weight_decay", "gamma": 0.9, "begin": 2, "by_epoch": False}
    ],
    "mmengine:LinearLR": [{"start_factor": 0.1, "end": 8, "by_epoch": False}],
    "mmengine:LinearMomentum": [{"start_factor": 0.1, "end": 8, "by_epoch": False}],
    "mmengine:LinearParamScheduler": [
        {"param_name": "weight_decay", "start_factor": 0.1, "end": 8, "by_epoch": False}
    ],
    "mmengine:PolyLR": [
        {"power": 2.0, "end": 20, "by_epoch": False},
        {"eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
    ],
    "mmengine:PolyMomentum": [
        {"power": 2.0, "end": 20, "by_epoch": False},
        {"eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
    ],
    "mmengine:PolyParamScheduler": [
        {"param_name": "weight_decay", "power": 2.0, "end": 20, "by_epoch": False},
        {"param_name": "weight_decay", "eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
    ],
    "mmengine:CosineAnnealingLR": [
        {"T_max": 10, "end": 10, "by_epoch": False},
        {"eta_min_ratio": 0.05, "begin": 1, "end": 6, "epoch_length": 3, "convert_to_iter_based": True},
    ],
    "mmengine:CosineAnnealingMomentum": [
        {"T_max": 10, "end": 10, "by_epoch": False},
        {"eta_min_ratio": 0.05, "begin": 1, "end": 6, "epoch_length": 3, "convert_to_iter_based": True},
    ],
    "mmengine:CosineAnnealingParamScheduler": [
        {"param_name": "weight_decay", "T_max": 10, "end": 10, "by_epoch": False},
        {
            "param_name": "weight_decay",
            "eta_min_ratio": 0.05,
            "begin": 1,
            "end": 6,
            "epoch_length": 3,
            "convert_to_iter_based": True,
        },
    ],
    "mmengine:OneCycleLR": [{"eta_max": 0.1, "total_steps": 30, "by_epoch": False}],
    "mmengine:OneCycleParamScheduler": [
        {"param_name": "lr", "eta_max": 0.1, "total_steps": 30, "by_epoch": False}
    ],
    "mmengine:CosineRestartLR": [
        {"periods": [5, 10], "restart_weights": [1, 0.5], "eta_min": 0.001, "by_epoch": False}
    ],
    "mmengine:CosineRestartMomentum": [
        {"periods": [5, 10], "restart_weights": [1, 0.5], "eta_min": 0.001, "by_epoch": False}
    ],
    "mmengine:CosineRestartParamScheduler": [
        {
            "param_name": "weight_decay",
            "periods": [5, 10],
            "restart_weights": [1, 0.5],
            "eta_min": 0.001,
            "by_epoch": False,
        }
    ],
    "mmengine:ReduceOnPlateauLR": [{}, {"rule": "greater", "factor": 0.5, "patience": 2}],
    "mmengine:ReduceOnPlateauParamScheduler": [{"param_name": "lr"}],
    # DeepSpeed.
    "deepspeed:WarmupLR": [
        {"warmup_num_steps": 8},
        {"warmup_num_steps": 5, "warmup_max_lr": 0.1, "warmup_type": "linear"},
    ],
    "deepspeed:WarmupDecayLR": [{"total_num_steps": 20, "warmup_num_steps": 5, "warmup_type": "linear"}],
    "deepspeed:WarmupCosineLR": [{"total_num_steps": 30, "warmup_num_steps": 6}],
    "deepspeed:OneCycle": [{"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 5}],
    "deepspeed:LRRangeTest": [
        {"lr_range_test_step_size": 4},
        {"lr_range_test_step_size": 3, "lr_range_test_staircase": True},
    ],
    # Megatron-core.
    "megatron:OptimizerParamScheduler": [
        {
            "init_lr": 0.0,
            "max_lr": 0.1,
            "min_lr": 0.01,
            "lr_warmup_steps": 4,
            "lr_decay_steps": 30,
            "lr_decay_style": "cosine",
        },
        {
            "init_lr": 0.0,
            "max_lr": 0.1,
            "min_lr": 0.0,
            "lr_warmup_steps": 2,
            "lr_decay_steps": 20,
            "lr_decay_style": "WSD",
            "wsd_decay_steps": 5,
            "lr_wsd_decay_style": "linear",
            "start_wd": 0.01,
            "end_wd": 0.1,
            "wd_incr_steps": 20,
            "wd_incr_style": "cosine",
        },
    ],
    # fvcore: where = t / total_t.
    "fvcore:ConstantParamScheduler": [{"value": 0.1, "total_t": 10}],
    "fvcore:CosineParamScheduler": [{"start_value": 0.1, "end_value": 0.001, "total_t": 20}],
    "fvcore:ExponentialParamScheduler": [{"start_value": 0.1, "decay": 0.02, "total_t": 20}],
    "fvcore:LinearParamScheduler": [{"start_value": 0.0, "end_value": 0.1, "total_t": 20}],
    "fvcore:MultiStepParamScheduler": [
        {"values": [0.1, 0.01, 0.001], "milestones": [5, 8], "num_updates": 10, "total_t": 10}
    ],
    "fvcore:PolynomialDecayParamScheduler": [{"base_value": 0.1, "power": 2.0, "total_t": 20}],
    "fvcore:StepParamScheduler": [{"num_updates": 10, "values": [0.1, 0.01], "total_t": 10}],
    "fvcore:StepWithFixedGammaParamScheduler": [
        {"base_value": 0.1, "num_decays": 2, "gamma": 0.1, "num_updates": 9, "total_t": 18}
    ],
    "fvcore:CompositeParamScheduler": [
        {
            "schedulers": [
                {"_target_": "LinearParamScheduler", "start_value": 0.0, "end_value": 0.1},
                {"_target_": "CosineParamScheduler", "start_value": 0.1, "end_value": 0.0},
            ],
            "lengths": [0.2, 0.8],
            "interval_scaling": ["rescaled", "rescaled"],
            "total_t": 20,
        },
    ],
    # detectron2: SOLVER keys.
    "detectron2:WarmupMultiStepLR": [{"MAX_ITER": 30, "STEPS": (10, 20), "WARMUP_ITERS": 5}],
    "detectron2:WarmupCosineLR": [{"MAX_ITER": 30, "BASE_LR": 0.1, "WARMUP_ITERS": 5}],
    "detectron2:WarmupStepWithFixedGammaLR": [{"MAX_ITER": 30, "NUM_DECAYS": 2, "WARMUP_ITERS": 3}],
    "detectron2:LRMultiplier": [
        {"multiplier": {"_target_": "CosineParamScheduler", "start_value": 1, "end_value": 0}, "max_iter": 20}
    ],
    "detectron2:WarmupParamScheduler": [
        {
            "scheduler": {
                "_target_": "MultiStepParamScheduler",
                "values": [1.0, 0.1],
                "milestones": [6],
                "num_updates": 8,
            },
            "warmup_factor": 0.001,
            "warmup_length": 0.25,
            "max_iter": 8,
        }
    ],
    # pytorch-optimizer.
    "pytorch_optimizer:CosineAnnealingWarmupRestarts": [
        {"first_cycle_steps": 10, "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 2, "cycle_mult": 2.0}
    ],
    "pytorch_optimizer:CosineScheduler": [{"t_max": 20, "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 3}],
    # Past t_max the library's line goes below 0 (its own quirk, kept): the run here stays inside.
    "pytorch_optimizer:LinearScheduler": [{"t_max": 60, "max_lr": 0.1, "warmup_steps": 3}],
    "pytorch_optimizer:PolyScheduler": [{"t_max": 20, "max_lr": 0.1, "warmup_steps": 3}],
    "pytorch_optimizer:REXScheduler": [{"total_steps": 20, "max_lr": 0.1}],
    "pytorch_optimizer:get_chebyshev_schedule": [{"num_epochs": 8}],
    "pytorch_optimizer:get_wsd_schedule": [
        {"num_warmup_steps": 3, "num_stable_steps": 5, "num_decay_steps": 6}
    ],
    # pytorch-warmup: dampening factors.
    "pytorch_warmup:LinearWarmup": [{"warmup_period": 5}],
    "pytorch_warmup:ExponentialWarmup": [{"warmup_period": 5}],
    "pytorch_warmup:UntunedLinearWarmup": [{"beta2": 0.99}],
    "pytorch_warmup:UntunedExponentialWarmup": [{"beta2": 0.99}],
    "pytorch_warmup:RAdamWarmup": [{"beta2": 0.99}],
    # ultralytics.
    "ultralytics:yolo": [
        {"epochs": 5, "nb": 10},
        {"epochs": 4, "nb": 30, "cos_lr": True, "warmup_epochs": 1.0},
    ],
    # NeMo's lr policies (nemo.core.optim.lr_scheduler), by update.
    "nemo:WarmupPolicy": [{"warmup_steps": 5}, {"warmup_ratio": 0.1, "max_steps": 50, "min_lr": 1e-3}],
    "nemo:WarmupHoldPolicy": [{"warmup_steps": 3, "hold_steps": 4, "max_steps": 20, "min_lr": 0.01}],
    "nemo:SquareAnnealing": [{"max_steps": 20}, {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.01}],
    "nemo:SquareRootAnnealing": [{"max_steps": 20, "warmup_ratio": 0.1}],
    "nemo:CosineAnnealing": [
        {"max_steps": 20, "warmup_steps": 3, "min_lr": 0.01},
        {"max_steps": 30, "warmup_ratio": 0.1, "constant_steps": 5, "min_lr": 1e-4},
    ],
    "nemo:NoamAnnealing": [{"d_model": 512, "warmup_steps": 10}, {"d_model": 64, "min_lr": 1e-4}],
    "nemo:NoamHoldAnnealing": [
        {"max_steps": 40, "warmup_steps": 5, "hold_steps": 10, "decay_rate": 1.0, "min_lr": 1e-4}
    ],
    "nemo:WarmupAnnealing": [
        {"max_steps": 20, "warmup_steps": 4},
        {"max_steps": 20, "warmup_steps": 2, "first_lr": 0.5},
    ],
    "nemo:InverseSquareRootAnnealing": [{"max_steps": 30, "warmup_steps": 5}],
    "nemo:T5InverseSquareRootAnnealing": [{"max_steps": 30, "constant_steps": 10}],
    "nemo:PolynomialDecayAnnealing": [{"max_steps": 20, "warmup_steps": 2, "power": 2.0, "min_lr": 0.01}],
    "nemo:PolynomialHoldDecayAnnealing": [
        {"max_steps": 30, "warmup_steps": 3, "hold_steps": 5, "power": 0.5},
        {"max_steps": 20, "warmup_steps": 4, "cycle": True},
    ],
    "nemo:WarmupHoldAnnealOneMinusSquareRoot": [
        {"max_steps": 30, "warmup_steps": 3, "hold_steps": 10, "min_lr": 1e-3}
    ],
    "nemo:WarmupHoldAnnealLinear": [{"max_steps": 30, "warmup_ratio": 0.1, "hold_ratio": 0.3}],
    "nemo:SquareRootConstantPolicy": [{"constant_steps": 4, "max_steps": 20}],
}

#: Recipes whose examples hold Python callables or other schedules (built, not explored).
NEEDS_OBJECTS = frozenset(
    {"torch:ChainedScheduler", "torch:LambdaLR", "torch:MultiplicativeLR", "torch:SequentialLR"}
)


def holds_objects(kwargs: dict[str, Any]) -> bool:
    """Whether an example's arguments hold a Python callable or a schedule."""
    values = [x for value in kwargs.values() for x in (value if isinstance(value, list) else [value])]
    return any(callable(x) or isinstance(x, lrkit.Schedule) for x in values)


def cases() -> list[tuple[str, int, dict[str, Any]]]:
    """Every ``(qualified name, example index, kwargs)``."""
    return [(name, i, kwargs) for name, examples in EXAMPLES.items() for i, kwargs in enumerate(examples)]


def schedule_cases() -> list[tuple[str, int, dict[str, Any]]]:
    """The examples that build a schedule from plain arguments: no plateau, no callables or schedules.

    Which recipes are plateaus comes from the registry, so it is asked here (that imports
    every recipe module).
    """
    from lrkit.recipes import registry

    plateaus = {r.qualified for r in registry.recipes() if r.plateau}
    return [
        (name, i, kwargs)
        for name, i, kwargs in cases()
        if name not in plateaus and name not in NEEDS_OBJECTS and not holds_objects(kwargs)
    ]


def case_id(case: tuple[str, int, dict[str, Any]]) -> str:
    return f"{case[0]}#{case[1]}"


def build(name: str, kwargs: dict[str, Any]) -> Any:
    """What the recipe ``name`` builds from ``kwargs``, through the registry."""
    from lrkit.recipes import registry

    recipe, built = registry.resolve(name, kwargs)
    assert recipe.qualified == name
    return built
