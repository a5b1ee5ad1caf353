"""The seed tutorials' timm code, run with lrkit.timm and with timm, must give the same lrs.

Seeds 004 (English) and 000 (its Chinese translation, same code): StepLRScheduler curves through
``get_epoch_values``. Seed 002 (Japanese): Step, MultiStep, Cosine and Tanh stepped with
``step_update`` / ``step(epoch + 1)``, plus its hand-written k-decay and tanh formulas.

The tutorial code is kept as written, inside a function that takes the scheduler module, with
the matplotlib calls dropped and each plotted lr list returned instead.
"""

import math
import types

import pytest

torch = pytest.importorskip("torch")

from timm_ref import load_timm_scheduler, with_legacy_api  # noqa: E402

import lrkit  # noqa: E402
import lrkit.timm as scheduler_module  # noqa: E402

RTOL = 1e-12


def same(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or abs(a - b) <= RTOL * max(abs(a), abs(b))


def assert_same_lists(theirs, mine, label):
    assert len(mine) == len(theirs), label
    for i, (a, b) in enumerate(zip(theirs, mine, strict=True)):
        assert same(a, b), f"{label}[{i}]: timm {a!r}, lrkit {b!r}"


@pytest.fixture(scope="module")
def timm_scheduler():
    return load_timm_scheduler()


# -- seeds 004 / 000: StepLRScheduler ------------------------------------------------------------


def tutorial_004(scheduler_module):
    StepLRScheduler = scheduler_module.StepLRScheduler  # noqa: N806 (the tutorial imports this name)

    # The tutorial builds timm's create_model('resnet34') and create_optimizer(args, model) with
    # opt='adam', lr=1e-4, weight_decay=0; timm's models need torchvision, which is not here, so
    # a plain torch model and the Adam optimizer that create_optimizer returns stand in for them.
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=0)

    def get_lr_per_epoch(scheduler, num_epoch):
        lr_per_epoch = []
        for epoch in range(num_epoch):
            lr_per_epoch.append(scheduler.get_epoch_values(epoch))
        return lr_per_epoch

    curves = {}

    num_epoch = 50
    scheduler = StepLRScheduler(optimizer, decay_t=5, decay_rate=1.0)
    lr_per_epoch = get_lr_per_epoch(scheduler, num_epoch)
    curves["decay_rate=1."] = lr_per_epoch

    num_epoch = 50
    scheduler = StepLRScheduler(optimizer, decay_t=5, decay_rate=0.5)
    lr_per_epoch = get_lr_per_epoch(scheduler, num_epoch)
    curves["decay_rate=0.5"] = lr_per_epoch

    num_epoch = 50
    scheduler = StepLRScheduler(optimizer, decay_t=5, warmup_t=2, warmup_lr_init=1e-5, decay_rate=0.8)
    lr_per_epoch = get_lr_per_epoch(scheduler, num_epoch)
    curves["With warmup"] = lr_per_epoch

    num_epoch = 50
    scheduler = StepLRScheduler(optimizer, decay_t=5, decay_rate=0.8)
    lr_per_epoch = get_lr_per_epoch(scheduler, num_epoch)
    curves["Without warmup"] = lr_per_epoch

    num_epoch = 50
    scheduler = StepLRScheduler(optimizer, decay_t=5, t_in_epochs=False)
    lr_per_epoch = get_lr_per_epoch(scheduler, num_epoch)
    curves["t_in_epochs=False"] = lr_per_epoch

    return curves


SECTIONS_004 = ["decay_rate=1.", "decay_rate=0.5", "With warmup", "Without warmup", "t_in_epochs=False"]


@pytest.fixture(scope="module")
def curves_004(timm_scheduler):
    # timm 1.0 dropped get_epoch_values, which the tutorial calls; with_legacy_api puts back the
    # definition older timm had.
    reference = types.SimpleNamespace(StepLRScheduler=with_legacy_api(timm_scheduler.StepLRScheduler))
    return tutorial_004(reference), tutorial_004(scheduler_module)


@pytest.mark.parametrize("section", SECTIONS_004)
def test_tutorial_004_matches_timm(curves_004, section):
    theirs, mine = curves_004
    assert list(mine) == SECTIONS_004
    assert_same_lists(theirs[section], mine[section], section)


def test_tutorial_004_what_it_says(curves_004):
    _, curves = curves_004
    # "since decay_rate=1., the new learning rate equals the old learning rate hence, we get a
    # constant line"
    assert curves["decay_rate=1."] == [[1e-4]] * 50
    # "halve the learning rate after every 5 epochs"
    assert curves["decay_rate=0.5"] == [[1e-4 * 0.5 ** (epoch // 5)] for epoch in range(50)]
    # "first starts with a value of warmup_lr_init, then ... It takes warmup_t number of epochs
    # to go from warmup_lr_init to initial_lr"
    warm = curves["With warmup"]
    assert warm[0] == [1e-5]
    assert warm[0][0] < warm[1][0] < warm[2][0] == 1e-4
    # the output printed in the tutorial
    assert curves["t_in_epochs=False"][:5] == [None, None, None, None, None]


# -- seed 002: a tour of timm's schedulers ---------------------------------------------------------


def tutorial_002(scheduler_module):
    """The tutorial's code; `_ = plot_lrs(scheduler)` becomes `lrs[...] = plot_lrs(scheduler)`."""
    lrs = {}

    def create_model_and_optimizer():
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-01)
        return model, optimizer

    def create_epochs_and_others(
        num_epochs=100,
        repeat=1,
        num_steps_per_epoch=10,
    ):
        num_epochs = num_epochs
        num_epoch_repeat = num_epochs // repeat
        num_steps_per_epoch = num_steps_per_epoch
        return num_epochs, num_epoch_repeat, num_steps_per_epoch

    def plot_lrs(scheduler, println=False):
        lrs = []
        for epoch in range(num_epochs):
            num_updates = epoch * num_steps_per_epoch

            for i in range(num_steps_per_epoch):
                if println:
                    print(f"epoch:{epoch:03d}, iter:{i:03d}, lr:{optimizer.param_groups[0]['lr']}")
                num_updates += 1
                scheduler.step_update(num_updates=num_updates)
            scheduler.step(epoch + 1)  # 次のepoch数を示す
            lrs.append(optimizer.param_groups[0]["lr"])
        return lrs

    # StepLRScheduler: デフォルト
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others()
    model, optimizer = create_model_and_optimizer()

    scheduler = scheduler_module.StepLRScheduler(
        optimizer,
        decay_t=30,  # 何epoch毎にlrにdecay_rateをかけるか
        decay_rate=0.5,  # lrの減衰率
        t_in_epochs=True,
    )
    lrs["Step"] = plot_lrs(scheduler)

    # StepLRScheduler: warmup (the tutorial shows this curve but leaves out the plot_lrs call)
    model, optimizer = create_model_and_optimizer()

    scheduler = scheduler_module.StepLRScheduler(
        optimizer,
        decay_t=30,
        decay_rate=0.5,
        warmup_t=10,  # warmupをかけるepoch数
        warmup_lr_init=1e-04,  # warmup開始時のlrの初期値
        t_in_epochs=True,
    )
    lrs["Step+warmup"] = plot_lrs(scheduler)

    # StepLRScheduler: noise
    model, optimizer = create_model_and_optimizer()

    scheduler = scheduler_module.StepLRScheduler(
        optimizer,
        decay_t=30,
        decay_rate=0.5,
        noise_range_t=[0, 30],  # noiseをかける範囲
        noise_pct=0.1,  # default 0.67
        noise_std=1.0,  # default
        t_in_epochs=True,
    )
    lrs["Step+noise"] = plot_lrs(scheduler)

    # MultiStepLRScheduler: デフォルト
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others()
    model, optimizer = create_model_and_optimizer()

    scheduler = scheduler_module.MultiStepLRScheduler(
        optimizer,
        decay_t=[20, 50, 90],
        decay_rate=0.5,
        t_in_epochs=True,
    )
    lrs["MultiStep"] = plot_lrs(scheduler)

    # CosineLRScheduler: デフォルト
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others()
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epochs,
        lr_min=1e-04,
        t_in_epochs=True,
    )
    lrs["Cosine"] = plot_lrs(scheduler)

    # CosineLRScheduler: cycle_limit
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others(repeat=2)
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epoch_repeat,  # num_epoch_repeat = num_epochs//2
        lr_min=1e-04,
        cycle_limit=2,
        t_in_epochs=True,
    )
    lrs["Cosine+cycle"] = plot_lrs(scheduler)

    # CosineLRScheduler: the same with cycle_limit=1 (only a plot in the tutorial)
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epoch_repeat,
        lr_min=1e-04,
        cycle_limit=1,
        t_in_epochs=True,
    )
    lrs["Cosine+cycle1"] = plot_lrs(scheduler)

    # CosineLRScheduler: cycle_decay
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others(repeat=3)
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epoch_repeat,  # num_epoch_repeat = num_epochs//3
        lr_min=1e-04,
        cycle_limit=3,
        cycle_decay=0.8,
        t_in_epochs=True,
    )
    lrs["Cosine+cycle_decay"] = plot_lrs(scheduler)

    # CosineLRScheduler: cycle_mul
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others(repeat=3)
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epoch_repeat,  # num_epoch_repeat = num_epochs//3
        lr_min=1e-04,
        cycle_limit=2,
        cycle_mul=2.0,
        t_in_epochs=True,
    )
    lrs["Cosine+cycle_mul"] = plot_lrs(scheduler)

    # CosineLRScheduler: k_decay
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.CosineLRScheduler(
        optimizer,
        t_initial=num_epochs,
        lr_min=1e-04,
        t_in_epochs=True,
        k_decay=2.0,
    )
    lrs["Cosine+k_decay"] = plot_lrs(scheduler)

    # TanhLRScheduler: デフォルト
    num_epochs, num_epoch_repeat, num_steps_per_epoch = create_epochs_and_others()
    model, optimizer = create_model_and_optimizer()
    scheduler = scheduler_module.TanhLRScheduler(
        optimizer,
        t_initial=num_epochs,
        lr_min=1e-04,
        t_in_epochs=True,
    )
    lrs["Tanh"] = plot_lrs(scheduler)

    # TanhLRScheduler: lb, ub
    model, optimizer = create_model_and_optimizer()  # noqa: RUF059 (as in the tutorial)
    # assert lb < ub
    scheduler = scheduler_module.TanhLRScheduler(
        optimizer,
        t_initial=num_epochs,
        lb=-7,
        ub=3,
        lr_min=1e-04,
        t_in_epochs=True,
    )
    lrs["Tanh+lbub"] = plot_lrs(scheduler)

    return lrs


SECTIONS_002 = [
    "Step",
    "Step+warmup",
    "Step+noise",
    "MultiStep",
    "Cosine",
    "Cosine+cycle",
    "Cosine+cycle1",
    "Cosine+cycle_decay",
    "Cosine+cycle_mul",
    "Cosine+k_decay",
    "Tanh",
    "Tanh+lbub",
]


@pytest.fixture(scope="module")
def curves_002(timm_scheduler):
    return tutorial_002(timm_scheduler), tutorial_002(scheduler_module)


@pytest.mark.parametrize("section", SECTIONS_002)
def test_tutorial_002_matches_timm(curves_002, section):
    theirs, mine = curves_002
    assert list(mine) == SECTIONS_002
    assert len(mine[section]) == 100
    assert_same_lists(theirs[section], mine[section], section)


def tutorial_002_formulas(num_epochs=100):
    """The tutorial's hand-written k-decay and tanh curves (its plt calls dropped)."""
    T = num_epochs  # noqa: N806 (the tutorial's names, here and below)
    lr_min = 0.01
    lr_max = 0.1
    k_decay = 2.0

    lr_list = []
    for t in range(0, T):
        i = t // T
        t_curr = t - (T * i)
        lr = lr_min + (lr_max - lr_min) / 2 * (1 + math.cos(math.pi * t_curr**k_decay / T**k_decay))
        lr_list.append(lr)
    k_decay_curve = lr_list

    T = num_epochs  # noqa: N806 (the tutorial's names, here and below)
    lr_min = 0.01
    lr_max = 0.1
    U = 3  # noqa: N806
    L = -7  # noqa: N806

    lr_list = []
    lr_list_rearranged = []
    for t in range(0, T):
        lr_HTD = lr_min + (lr_max - lr_min) / 2 * (1 - math.tanh(L + (U - L) * (t / T)))  # 1  # noqa: N806
        lr_list.append(lr_HTD)
        # 1 の式変形
        lr_HTD = lr_min + (lr_max - lr_min) / 2 * (1 - math.tanh(L * (1 - t / T) + U * (t / T)))  # noqa: N806
        lr_list_rearranged.append(lr_HTD)
    return k_decay_curve, lr_list, lr_list_rearranged


def test_tutorial_002_formulas_match_lrkit_shapes():
    k_decay_curve, tanh_curve, tanh_rearranged = tutorial_002_formulas()
    cosine = lrkit.cosine(t_initial=100, lr_min=0.01, k_decay=2.0)
    tanh = lrkit.tanh(t_initial=100, lb=-7, ub=3, lr_min=0.01)
    assert_same_lists(k_decay_curve, [cosine(t, 0.1) for t in range(100)], "k_decay")
    assert_same_lists(tanh_curve, [tanh(t, 0.1) for t in range(100)], "tanh #1")
    assert_same_lists(tanh_rearranged, [tanh(t, 0.1) for t in range(100)], "tanh #1 rearranged")


def test_tutorial_002_k_decay_formula_is_what_the_scheduler_draws():
    # The tutorial writes the formula to explain its k_decay plot: the same curve, at its lrs.
    k_decay_curve = tutorial_002_formulas()[0]
    optimizer = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    scheduler = scheduler_module.CosineLRScheduler(optimizer, t_initial=100, lr_min=0.01, k_decay=2.0)
    assert_same_lists(k_decay_curve, [scheduler.get_epoch_values(t)[0] for t in range(100)], "k_decay")
