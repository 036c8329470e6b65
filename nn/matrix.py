"""The source posts' numpy networks: backpropagation as four matrix equations, BP1-BP4.

The scalar engine applies the chain rule one number at a time. For a fully connected network the
same numbers come out of four equations (post 002's notation; C the loss, l a layer, L the last):

    BP1  delta^L = grad_a C  (.)  sigma'(z^L)                  error of the last layer
    BP2  delta^l = (delta^(l+1) W^(l+1)^T)  (.)  sigma'(z^l)   error of a layer from the next
    BP3  dC/db^l = sum over the batch of delta^l
    BP4  dC/dW^l = a^(l-1)^T delta^l

Layout, as posts 003 and 004: one ROW per sample and weights stored (inputs, outputs), so a
layer is ``Z = A @ W + b`` with A of shape (batch, inputs). Post 002 and ``nn.MLP`` (like
PyTorch's ``nn.Linear``) store weights (outputs, inputs) and multiply columns; in this layout
that matrix is ``W.T``, which is why BP2 reads ``delta @ W.T`` here and ``W^T delta`` in the
post. ``to_mlp`` / ``from_mlp`` transpose between the two.

Everything is float64, and every loss has the meaning (and the `reduction`) of the same loss in
``nn`` and PyTorch, so a test can hold each gradient to the scalar engine's to 1e-12.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence, Union

import numpy as np

from ._checks import is_flag, quote

if TYPE_CHECKING:  # nn.MLP is only needed by the conversions
    from .layers import MLP

__all__ = [
    "MatrixMLP", "Gradients", "ACTIVATIONS", "LOSSES", "INITS",
    "activate", "activation_derivative", "loss_and_grad",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
"""The activations by name, as `nn.ACTIVATIONS` has them."""
LOSSES = ("mse", "half_sse", "bce_with_logits", "cross_entropy", "hinge")
"""The losses `loss_and_grad` knows, with the meaning of `nn`'s of the same names."""
INITS = ("torch", "uniform", "xavier", "post004", "normal")
"""The weight draws of `MatrixMLP` (see there)."""
REDUCTIONS = ("mean", "sum")
_FLOAT64 = np.dtype(np.float64)

ArrayLike = Union[np.ndarray, Sequence[Any]]


# --- activations: sigma and sigma', the latter from the layer's output a = sigma(z) ------------


# scipy.special.expit, the sigmoid as one compiled ufunc, when scipy is installed (scikit-learn,
# which the demos need, brings it): about three times faster than the four numpy operations
# below, which is a tenth of a per-sample step. None: not looked up yet; False: not installed.
# Both give 1 / (1 + e^-z) to the last bit or so, and 0.0 without a warning for z < -709.
_EXPIT = None


def _expit() -> Any:
    global _EXPIT
    if _EXPIT is None:
        try:
            from scipy.special import expit
        except ImportError:
            expit = False
        _EXPIT = expit
    return _EXPIT


def _sigmoid_inplace(z: np.ndarray) -> np.ndarray:
    """The sigmoid sigma(z) written into z (which the caller owns).

    Without scipy, the caller silences numpy's overflow warning: for z < -709 e^-z overflows
    to inf and the result is 0.0, the right limit.
    """
    expit = _EXPIT if _EXPIT is not None else _expit()
    if expit:
        return expit(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """The activation sigma(z) for one layer (a new array; z is not changed).

    Args:
        name: One of `ACTIVATIONS`.
        z: The layer's weighted inputs, any shape.

    Returns:
        sigma(z), elementwise (for "linear", z itself).

    Raises:
        ValueError: `name` is not one of `ACTIVATIONS`.

    Examples:
        >>> import numpy as np
        >>> from nn.matrix import activate
        >>> activate("relu", np.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
        >>> activate("sigmoid", np.array([0.0])).tolist()
        [0.5]
    """
    if name == "sigmoid":
        with np.errstate(over="ignore"):
            return _sigmoid_inplace(np.array(z, dtype=np.float64))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "linear":
        return z
    raise ValueError(f"activate: unknown activation {quote(name)}; expected one of {ACTIVATIONS}")


def activation_derivative(name: str, a: np.ndarray) -> np.ndarray | None:
    """The derivative sigma'(z), written with the output a = sigma(z) as the catalogue does.

    sigmoid a(1 - a), tanh 1 - a^2, relu 1 where z > 0 (a > 0 exactly then) else 0 (also at
    the kink, as PyTorch; at NaN 1, as PyTorch). None for linear: sigma' = 1, nothing to
    multiply.

    Args:
        name: One of `ACTIVATIONS`.
        a: The layer's outputs, sigma(z).

    Returns:
        sigma'(z) elementwise, or None for "linear".

    Raises:
        ValueError: `name` is not one of `ACTIVATIONS`.

    Examples:
        >>> import numpy as np
        >>> from nn.matrix import activation_derivative
        >>> activation_derivative("tanh", np.array([0.5])).tolist()      # 1 - 0.5^2
        [0.75]
        >>> activation_derivative("linear", np.array([0.5])) is None
        True
    """
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        # 0 where a <= 0, else 1: so 1 at NaN, as PyTorch and the scalar engine's relu
        return np.where(a <= 0.0, 0.0, 1.0)
    if name == "linear":
        return None
    raise ValueError(
        f"activation_derivative: unknown activation {quote(name)}; expected one of {ACTIVATIONS}"
    )


# --- losses: the value and grad_a C, the gradient with respect to the last activations ----------


def _check_reduction(where: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {quote(reduction)}")


def _class_targets(where: str, target: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Cross-entropy targets as a (batch, classes) array: class indices become one-hot rows."""
    n, k = out.shape
    if target.ndim == 1:
        if target.shape[0] != n:
            raise ValueError(f"{where}: {target.shape[0]} class indices for a batch of {n}")
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"{where}: 1-d targets must be integer class indices, got dtype {target.dtype}"
            )
        if n and (target.min() < 0 or target.max() >= k):
            raise ValueError(f"{where}: class indices must be in [0, {k}), got {quote(target)}")
        onehot = np.zeros((n, k))
        onehot[np.arange(n), target] = 1.0
        return onehot
    if target.shape != out.shape:
        raise ValueError(
            f"{where}: targets of shape {target.shape} for outputs of shape {out.shape} "
            f"(give class indices of shape ({n},) or probabilities of shape ({n}, {k}))"
        )
    return target


def loss_and_grad(
    loss: str, out: np.ndarray, target: np.ndarray, reduction: str | None = None
) -> tuple[float, np.ndarray]:
    """The loss of a batch and grad_a C, its gradient with respect to `out` (batch, outputs).

    The definitions are nn's (and PyTorch's where it has the loss):

    - ``mse``: (a - y)^2 over every element; mean over all of them, as ``F.mse_loss``.
    - ``half_sse``: the posts' 1/2 (a - y)^2 over every element, whose gradient is a - y;
      its default reduction is "sum" (the posts' E), as ``nn.half_sse_loss``.
    - ``bce_with_logits``: a are logits, y in [0, 1]; as ``F.binary_cross_entropy_with_logits``.
    - ``cross_entropy``: a are logits; y class indices (batch,) or probabilities
      (batch, classes); log-sum-exp minus the target's logit, mean over samples, as
      ``F.cross_entropy``.
    - ``hinge``: y in {-1, +1}; max(0, 1 - y a) per element, mean over all (micrograd's demo).

    With ``reduction="sum"`` nothing is divided; ``None`` is the loss's own default, as in ``nn``
    ("sum" for half_sse, "mean" for the others).

    Args:
        loss: One of `LOSSES`.
        out: The last layer's outputs a, shape (batch, outputs).
        target: The targets y: the same shape (class indices (batch,) for cross_entropy too).
        reduction: "mean" or "sum"; None for the loss's own default.

    Returns:
        The pair (C, grad_a C): the loss as a float, and its gradient, shaped as `out`.

    Raises:
        TypeError: `out` or `target` is not an array of real numbers (or cross_entropy's
            class indices are not integers).
        ValueError: `loss` or `reduction` is unknown, the batch is empty, the shapes do not
            fit, or a target is outside its loss's range.

    Examples:
        >>> import numpy as np
        >>> from nn.matrix import loss_and_grad
        >>> C, grad = loss_and_grad("mse", np.array([[0.5], [2.0]]), np.array([[1.0], [1.0]]))
        >>> C, grad.tolist()                         # d/da of mean (a - y)^2 = 2 (a - y) / 2
        (0.625, [[-0.5], [1.0]])
        >>> C, grad = loss_and_grad("cross_entropy", np.array([[0.0, 0.0]]), np.array([1]))
        >>> round(C, 6), grad.tolist()               # softmax - one-hot
        (0.693147, [[0.5, -0.5]])
    """
    if type(out) is not np.ndarray or out.ndim != 2:
        out = _as_matrix("loss " + repr(loss), out)
    if type(target) is not np.ndarray:
        target = _targets(loss, target)
    if not out.shape[0]:  # a mean over no samples divides by zero
        raise ValueError(f"loss {quote(loss)}: the batch is empty (0 rows); a loss needs at "
                         f"least one sample")
    if loss == "half_sse" and (reduction is None or reduction == "sum") and (
        target.shape == out.shape
    ):  # the posts' loss summed, the per-sample loop's case: straight to it
        diff = out - target
        flat = diff.ravel()
        return 0.5 * float(flat @ flat), diff  # the gradient is diff itself
    where = "loss " + repr(loss)
    if reduction is None:
        reduction = "sum" if loss == "half_sse" else "mean"
    _check_reduction(where, reduction)
    n = out.shape[0]
    if loss == "cross_entropy":
        target = _class_targets(where, target, out)
    elif target.shape != out.shape:
        raise ValueError(
            f"{where}: targets of shape {target.shape} for outputs of shape {out.shape}"
        )
    if loss == "mse":
        diff = out - target
        flat = diff.ravel()
        scale = 1.0 if reduction == "sum" else 1.0 / out.size
        return float(flat @ flat) * scale, diff * (2.0 * scale)
    if loss == "half_sse":
        diff = out - target
        flat = diff.ravel()
        if reduction == "sum":
            return 0.5 * float(flat @ flat), diff
        scale = 1.0 / out.size
        return 0.5 * float(flat @ flat) * scale, diff * scale
    if loss == "bce_with_logits":
        if target.size and not (target.min() >= 0.0 and target.max() <= 1.0):
            raise ValueError(f"{where}: targets must be probabilities in [0, 1]")
        # max(x, 0) - x y + log(1 + e^-|x|). Its gradient sigmoid(x) - y, written
        # (1 - y) sigmoid(x) - y sigmoid(-x) so that a confident right answer (y = 1, x large)
        # gives the small number sigmoid(-x) itself, not 1 minus a number close to 1.
        values = np.maximum(out, 0.0) - out * target + np.log1p(np.exp(-np.abs(out)))
        scale = 1.0 if reduction == "sum" else 1.0 / out.size
        grad = (1.0 - target) * activate("sigmoid", out) - target * activate("sigmoid", -out)
        return float(np.sum(values)) * scale, grad * scale
    if loss == "cross_entropy":
        m = out.max(axis=1, keepdims=True)
        shifted = np.exp(out - m)
        total = shifted.sum(axis=1, keepdims=True)
        lse = m + np.log(total)
        # With probability targets the loss is sum_k y_k (lse - a_k), and its gradient
        # softmax * sum_k y_k - y (one-hot rows: softmax - y).
        values = np.sum(target * (lse - out), axis=1)
        grad = (shifted / total) * target.sum(axis=1, keepdims=True) - target
        scale = 1.0 if reduction == "sum" else 1.0 / n
        return float(np.sum(values)) * scale, grad * scale
    if loss == "hinge":
        if not np.all(np.abs(target) == 1.0):
            raise ValueError(
                f"{where}: targets must be -1 or +1 (from 0/1 labels use y * 2 - 1)"
            )
        margin = 1.0 - target * out
        scale = 1.0 if reduction == "sum" else 1.0 / out.size
        # the derivative of max(0, m) is 0 at m <= 0 (and 1 at NaN), as the engine's relu
        slope = np.where(margin <= 0.0, 0.0, 1.0)
        return float(np.sum(np.maximum(margin, 0.0))) * scale, -target * slope * scale
    raise ValueError(f"loss_and_grad: unknown loss {quote(loss)}; expected one of {LOSSES}")


# --- the network -----------------------------------------------------------------------------


class Gradients(NamedTuple):
    """dC/dW and dC/db for every layer (same shapes as the weights and biases), and C.

    Attributes:
        weights: dC/dW^l, one array per layer, shaped as the weights.
        biases: dC/db^l, one array per layer (None for a layer without biases).
        loss: C, the batch's loss.

    Examples:
        >>> from nn.matrix import MatrixMLP
        >>> net = MatrixMLP([2, 3, 1], seed=0)
        >>> g = net.backward([[0.5, -1.0]], [[1.0]])
        >>> [w.shape for w in g.weights], [b.shape for b in g.biases]
        ([(2, 3), (3, 1)], [(3,), (1,)])
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    loss: float


def _as_float64(where: str, x: object, what: str = "an array of real numbers") -> np.ndarray:
    """Give x as a float64 array.

    Complex numbers are refused: numpy would drop their imaginary parts with only a warning.
    """
    if isinstance(x, np.ndarray) and x.dtype is _FLOAT64:
        return x
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged rows, say
        raise TypeError(f"{where}: needs {what}, got {type(x).__name__}") from exc
    if arr.dtype.kind == "c" or (arr.dtype.kind == "O" and any(
            isinstance(v, (complex, np.complexfloating)) for v in arr.ravel())):
        raise TypeError(f"{where}: needs {what}, got complex numbers (their imaginary parts "
                        f"would be dropped); pass x.real if the real parts are what you mean")
    try:
        return np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: needs {what}, got {type(x).__name__}") from exc


def _as_matrix(where: str, x: object, columns: int | None = None) -> np.ndarray:
    """A 2-d float64 array (one row per sample), or a clear error."""
    arr = _as_float64(where, x)
    if arr.ndim != 2:
        raise ValueError(
            f"{where}: needs a 2-d array with one row per sample, got shape {arr.shape} "
            f"(one sample x is x.reshape(1, -1))"
        )
    if columns is not None and arr.shape[1] != columns:
        raise ValueError(f"{where}: rows must have {columns} columns, got shape {arr.shape}")
    return arr


class MatrixMLP:
    """A fully connected network in numpy whose backward pass is BP1-BP4.

    ``sizes`` are the widths from input to output ([2, 25, 50, 25, 2] is post 004's net);
    ``activations`` one name per layer, or one name for every layer. Weights ``weights[l]`` have
    shape (sizes[l], sizes[l+1]) and biases ``biases[l]`` shape (sizes[l+1],) (or None with
    ``bias=False``).

    init (seeded with ``numpy.random.default_rng(seed)``):

    - ``torch``: PyTorch's nn.Linear default, W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in));
    - ``uniform``: micrograd's, W ~ U(-1, 1), b = 0;
    - ``xavier``: Glorot uniform, W ~ U(-r, r) with r = sqrt(6 / (fan_in + fan_out)), b = 0;
    - ``post004``: post 004's own, W ~ N(0, 1) * sqrt(1 / fan_out), b ~ U(0, 0.1);
    - ``normal``: post 000's ``tf.random_normal``, W and b ~ N(0, 1).

    ``gain`` multiplies every starting weight (not the biases), as the ``gain`` of
    ``torch.nn.init.xavier_uniform_``: Glorot and Bengio (2010) advise 4 for sigmoid layers.

    Args:
        sizes: The widths from input to output, at least two.
        activations: One name of `ACTIVATIONS` per layer, or one for every layer.
        bias: Give every layer a bias vector.
        init: One of `INITS`.
        gain: Multiplies every starting weight; finite and > 0.
        seed: The seed of ``numpy.random.default_rng``.

    Attributes:
        weights: ``weights[l]``, shape (sizes[l], sizes[l+1]).
        biases: ``biases[l]``, shape (sizes[l+1],), or None.
        activations: One name per layer.
        sizes: The widths from input to output.
        grads: The `Gradients` of the last ``backward`` (None before, or after
            ``train_step``).

    Raises:
        TypeError: A size or `seed` is not an int, `bias` not a bool, or `gain` not a real
            number.
        ValueError: Fewer than two sizes, a size < 1, an unknown `init` or activation, the
            wrong number of activations, or `gain` not finite and > 0.

    Examples:
        >>> from nn.matrix import MatrixMLP
        >>> net = MatrixMLP([2, 3, 1], "tanh", seed=0)
        >>> net
        MatrixMLP(2->3 tanh, 3->1 tanh)
        >>> [p.shape for p in net.parameters()]
        [(2, 3), (3,), (3, 1), (1,)]
        >>> net([[0.5, -1.0], [1.0, 2.0]]).shape      # one row per sample
        (2, 1)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Sequence[str] = "sigmoid",
        *,
        bias: bool = True,
        init: str = "torch",
        gain: float = 1.0,
        seed: int = 0,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MatrixMLP: sizes needs an input and at least one layer, got "
                             f"{quote(sizes)}")
        for s in sizes:
            if not isinstance(s, numbers.Integral) or isinstance(s, bool):
                raise TypeError(f"MatrixMLP: sizes must be integers, got {quote(sizes)}")
            if s < 1:
                raise ValueError(f"MatrixMLP: every size must be >= 1, got {quote(sizes)}")
        if not is_flag(bias):
            raise TypeError(f"MatrixMLP: bias must be True or False, got {quote(bias)}")
        if init not in INITS:
            raise ValueError(f"MatrixMLP: init must be one of {INITS}, got {quote(init)}")
        if isinstance(gain, bool) or not isinstance(gain, numbers.Real):
            raise TypeError(f"MatrixMLP: gain must be a real number, got {quote(gain)}")
        if not (gain > 0 and math.isfinite(gain)):
            raise ValueError(f"MatrixMLP: gain must be finite and > 0, got {quote(gain)}")
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise TypeError(f"MatrixMLP: seed must be an integer, got {quote(seed)}")
        rng = np.random.default_rng(seed)
        weights: list[np.ndarray] = []
        biases: list[np.ndarray | None] = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            w, b = _initial(init, rng, fan_in, fan_out)
            if gain != 1.0:
                w *= gain
            weights.append(w)
            biases.append(b if bias else None)
        self._set(weights, biases, activations)

    # --- construction ------------------------------------------------------------------------

    def _set(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray | None],
        activations: str | Sequence[str],
    ) -> None:
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        activations = list(activations)
        if len(activations) != len(weights):
            raise ValueError(
                f"MatrixMLP: {len(activations)} activations for {len(weights)} layers"
            )
        for name in activations:
            if name not in ACTIVATIONS:
                raise ValueError(
                    f"MatrixMLP: unknown activation {quote(name)}; expected one of {ACTIVATIONS}"
                )
        self.weights = weights
        self.biases = biases
        self.activations = activations
        self.sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
        self.grads: Gradients | None = None

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[ArrayLike],
        biases: Sequence[ArrayLike | None] | None = None,
        activations: str | Sequence[str] = "sigmoid",
    ) -> MatrixMLP:
        """A network with these weights, each of shape (inputs, outputs) (copied, as float64).

        ``biases=None`` means no biases.

        Args:
            weights: One matrix per layer, shape (inputs, outputs).
            biases: None, or one vector (or None) per layer, shape (outputs,).
            activations: One name of `ACTIVATIONS` per layer, or one for every layer.

        Returns:
            The MatrixMLP.

        Raises:
            TypeError: A weight or bias is not an array of real numbers.
            ValueError: No weights, a matrix not 2-d, layers that do not chain, biases of
                the wrong count or shape, or a wrong activation.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP.from_weights([[[0.1, 0.4], [0.8, 0.6]], [[0.3], [0.9]]],
            ...                              activations="sigmoid")   # the worked example
            >>> net
            MatrixMLP(2->2 sigmoid, 2->1 sigmoid)
            >>> net([[0.35, 0.9]]).round(6).tolist()
            [[0.690283]]
        """
        where = "MatrixMLP.from_weights"
        ws = [np.array(_as_float64(where, w)) for w in weights]
        if not ws:
            raise ValueError("MatrixMLP.from_weights: needs at least one weight matrix")
        for l, w in enumerate(ws):
            if w.ndim != 2:
                raise ValueError(
                    f"MatrixMLP.from_weights: weights[{l}] must be 2-d, got shape {w.shape}"
                )
            if l and w.shape[0] != ws[l - 1].shape[1]:
                raise ValueError(
                    f"MatrixMLP.from_weights: weights[{l}] has {w.shape[0]} inputs but layer "
                    f"{l - 1} has {ws[l - 1].shape[1]} outputs"
                )
        if biases is None:
            bs: list[np.ndarray | None] = [None] * len(ws)
        else:
            if len(biases) != len(ws):
                raise ValueError(
                    f"MatrixMLP.from_weights: {len(biases)} biases for {len(ws)} layers"
                )
            bs = []
            for l, (w, b) in enumerate(zip(ws, biases)):
                if b is None:
                    bs.append(None)
                    continue
                b = np.array(_as_float64(where, b))
                if b.shape != (w.shape[1],):
                    raise ValueError(
                        f"MatrixMLP.from_weights: biases[{l}] must have shape ({w.shape[1]},), "
                        f"got {b.shape}"
                    )
                bs.append(b)
        net = cls.__new__(cls)
        net._set(ws, bs, activations)
        return net

    @classmethod
    def from_mlp(cls, mlp: MLP) -> MatrixMLP:
        """The same network as an ``nn.MLP``, same weights.

        Its rows w[j][k] (PyTorch's out x in) become columns here,
        W[k, j] = mlp.layers[l].neurons[j].w[k].

        Args:
            mlp: The scalar network.

        Returns:
            A MatrixMLP with its weights, biases and activations.

        Examples:
            >>> import nn
            >>> from nn.matrix import MatrixMLP
            >>> mlp = nn.MLP(2, [3, 1], activation="tanh", seed=0)
            >>> net = MatrixMLP.from_mlp(mlp)
            >>> (score,) = mlp([0.5, -1.0])
            >>> bool(abs(net([[0.5, -1.0]])[0, 0] - score.data) < 1e-12)
            True
        """
        weights: list[np.ndarray] = []
        biases: list[np.ndarray | None] = []
        activations: list[str] = []
        for layer in mlp.layers:
            neurons = layer.neurons
            w = np.array([[v.data for v in neuron.w] for neuron in neurons], dtype=np.float64)
            weights.append(w.T.copy())
            if any(neuron.b is None for neuron in neurons):
                biases.append(None)
            else:
                b = [neuron.b.data for neuron in neurons if neuron.b is not None]
                biases.append(np.array(b, dtype=np.float64))
            activations.append(layer.activation)
        return cls.from_weights(weights, biases, activations)

    def to_mlp(self) -> MLP:
        """An ``nn.MLP`` with the same weights (transposed to its out x in rows).

        Returns:
            The scalar network, its parameters new leaf Values.

        Raises:
            ValueError: The hidden layers have different activations, or some layers have
                biases and some do not (nn.MLP has one hidden activation, biases everywhere
                or nowhere).

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP([2, 2, 1], "sigmoid", seed=0)
            >>> net.to_mlp()
            MLP(
              (0): Layer(2, 2, activation='sigmoid')
              (1): Layer(2, 1, activation='sigmoid')
            )
        """
        from .layers import MLP

        hidden = set(self.activations[:-1])
        if len(hidden) > 1:
            raise ValueError(
                f"to_mlp: nn.MLP has one hidden activation and one output activation, "
                f"this network has {self.activations}"
            )
        with_bias = [b is not None for b in self.biases]
        if any(with_bias) and not all(with_bias):
            raise ValueError("to_mlp: nn.MLP has biases in every layer or in none")
        weights = [w.T.tolist() for w in self.weights]
        biases = [b.tolist() for b in self.biases if b is not None] if all(with_bias) else None
        return MLP.from_weights(
            weights,
            biases,
            # one layer: nn.MLP's hidden activation is unused, any valid name does
            activation=self.activations[0] if len(self.activations) > 1 else "linear",
            output_activation=self.activations[-1],
        )

    def copy(self) -> MatrixMLP:
        """A new network with copies of the weights and biases (no gradients).

        Returns:
            The copy, a MatrixMLP of its own.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP([2, 2, 1], seed=0)
            >>> twin = net.copy()
            >>> twin.weights[0] is net.weights[0], bool((twin.weights[0] == net.weights[0]).all())
            (False, True)
        """
        return MatrixMLP.from_weights(self.weights, self.biases, self.activations)

    def __repr__(self) -> str:
        layers = ", ".join(
            f"{a}->{w.shape[1]} {act}"
            for a, w, act in zip(self.sizes, self.weights, self.activations)
        )
        return f"MatrixMLP({layers})"

    def parameters(self) -> list[np.ndarray]:
        """Every weight matrix and bias vector, layer by layer (W then b).

        Returns:
            The arrays themselves (not copies): changing one changes the network.
        """
        out = []
        for w, b in zip(self.weights, self.biases):
            out.append(w)
            if b is not None:
                out.append(b)
        return out

    # --- forward and backward ----------------------------------------------------------------

    def forward(self, X: ArrayLike) -> list[np.ndarray]:
        """Every layer's activations [a^0 = X, a^1, ..., a^L], rows = samples.

        z^l = a^(l-1) W^l + b^l, a^l = sigma(z^l). The backward pass needs them all (BP2, BP4).

        Args:
            X: The inputs, one row per sample, shape (batch, sizes[0]).

        Returns:
            L + 1 arrays, a^0 = X first, the output a^L last.

        Raises:
            TypeError: `X` is not an array of real numbers.
            ValueError: `X` is not 2-d with sizes[0] columns.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP.from_weights([[[0.1, 0.4], [0.8, 0.6]], [[0.3], [0.9]]])
            >>> [a.round(4).tolist() for a in net.forward([[0.35, 0.9]])]
            [[[0.35, 0.9]], [[0.6803, 0.6637]], [[0.6903]]]
        """
        a = _as_matrix("MatrixMLP.forward", X, self.sizes[0])
        if not (_EXPIT if _EXPIT is not None else _expit()):
            with np.errstate(over="ignore"):  # numpy's sigmoid, see _sigmoid_inplace
                return self._forward(a)
        return self._forward(a)

    def _forward(self, a: np.ndarray) -> list[np.ndarray]:
        acts = [a]
        for w, b, name in zip(self.weights, self.biases, self.activations):
            z = a @ w
            if b is not None:
                z += b
            # z is a new array of ours: the sigmoid can overwrite it
            a = _sigmoid_inplace(z) if name == "sigmoid" else activate(name, z)
            acts.append(a)
        return acts

    def __call__(self, X: ArrayLike) -> np.ndarray:
        """The output a^L, one row per sample (`forward`'s last array).

        Args:
            X: The inputs, one row per sample.

        Returns:
            a^L, shape (batch, outputs).
        """
        return self.forward(X)[-1]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each row: the index of its largest output.

        Args:
            X: The inputs, one row per sample.

        Returns:
            An int array, one class per row.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP.from_weights([[[1.0, -1.0], [0.0, 0.0]]], activations="linear")
            >>> net.predict([[2.0, 5.0], [-1.0, 0.0]]).tolist()
            [0, 1]
        """
        return np.argmax(self(X), axis=1)

    def loss(
        self, X: ArrayLike, Y: ArrayLike, loss: str = "mse", reduction: str | None = None
    ) -> float:
        """The loss of the batch, without gradients.

        Args:
            X: The inputs, one row per sample.
            Y: The targets (see `loss_and_grad`).
            loss: One of `LOSSES`.
            reduction: "mean" or "sum"; None for the loss's own default ("sum" for half_sse).

        Returns:
            C, a float.
        """
        out = self(X)
        return loss_and_grad(loss, out, _targets(loss, Y), reduction)[0]

    def backward(
        self, X: ArrayLike, Y: ArrayLike, loss: str = "mse", reduction: str | None = None
    ) -> Gradients:
        """Forward, then BP1-BP4: dC/dW and dC/db of every layer for the batch (X, Y).

        Stored in ``self.grads`` (replaced, not accumulated: each call is one whole pass) and
        returned.

        Args:
            X: The inputs, one row per sample.
            Y: The targets (see `loss_and_grad`).
            loss: One of `LOSSES`.
            reduction: "mean" or "sum"; None for the loss's own default ("sum" for half_sse).

        Returns:
            The `Gradients`: dC/dW, dC/db per layer, and C.

        Raises:
            TypeError: `X` or `Y` is not an array of real numbers.
            ValueError: A shape does not fit, or `loss` or `reduction` is unknown.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP.from_weights([[[0.1, 0.4], [0.8, 0.6]], [[0.3], [0.9]]])
            >>> g = net.backward([[0.35, 0.9]], [[0.5]], loss="half_sse")
            >>> g.weights[1].round(5).tolist()        # dE/dw35 = 0.02767, as the post
            [[0.02767], [0.027]]
            >>> round(g.loss, 6)
            0.018104
        """
        acts = self.forward(X)
        out = acts[-1]
        value, grad_a = loss_and_grad(loss, out, _targets(loss, Y), reduction)
        n_layers = len(self.weights)
        grad_w: list[np.ndarray] = [None] * n_layers  # type: ignore[list-item]
        grad_b: list[np.ndarray | None] = [None] * n_layers
        # BP1: delta^L = grad_a C (.) sigma'(z^L)
        slope = activation_derivative(self.activations[-1], out)
        delta = grad_a if slope is None else grad_a * slope
        one = out.shape[0] == 1
        for l in range(n_layers - 1, -1, -1):
            # BP4: dC/dW^l = a^(l-1)^T delta^l      BP3: dC/db^l = sum over rows of delta^l
            # (one sample: the product of a column and a row, and the row itself, computed
            # directly, which is faster than a matmul and a reduction over one row, same bits)
            grad_w[l] = acts[l].T * delta if one else acts[l].T @ delta
            if self.biases[l] is not None:
                grad_b[l] = delta[0] if one else delta.sum(axis=0)
            if l:
                # BP2: delta^(l-1) = (delta^l W^l^T) (.) sigma'(z^(l-1))
                back = delta @ self.weights[l].T
                slope = activation_derivative(self.activations[l - 1], acts[l])
                delta = back if slope is None else back * slope
        self.grads = Gradients(grad_w, grad_b, value)
        return self.grads

    def sgd_step(self, lr: float) -> None:
        """Update W -= lr dC/dW and b -= lr dC/db with the gradients of the last ``backward``.

        Args:
            lr: The learning rate, a finite number >= 0.

        Raises:
            RuntimeError: No ``backward`` has run since the last step that kept no gradients.
            TypeError: `lr` is not a real number.
            ValueError: `lr` is negative or not finite.
        """
        if self.grads is None:
            raise RuntimeError("sgd_step: no gradients yet; call backward(X, Y) first")
        _check_lr("sgd_step", lr)
        for w, gw in zip(self.weights, self.grads.weights):
            w -= lr * gw
        for b, gb in zip(self.biases, self.grads.biases):
            if b is not None and gb is not None:
                b -= lr * gb

    def train_step(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        lr: float,
        loss: str = "mse",
        reduction: str | None = None,
    ) -> float:
        """One SGD step on the batch (X, Y); returns the loss before it.

        The same BP1-BP4 as ``backward``, but each layer is updated as soon as its gradient is
        known, as post 004 does (BP2 first takes what it needs from the old weights). It keeps
        no gradients (``self.grads`` becomes None) and multiplies lr into delta before BP4, so
        its weights may differ from ``backward`` + ``sgd_step`` in the last bit. It is the
        per-sample loop of the demos and of ``bench/matrix.py``: one pass over the layers
        instead of two, and no gradient arrays kept.

        Args:
            X: The inputs, one row per sample.
            Y: The targets (see `loss_and_grad`).
            lr: The learning rate, a finite number >= 0.
            loss: One of `LOSSES`.
            reduction: "mean" or "sum"; None for the loss's own default ("sum" for half_sse).

        Returns:
            The batch's loss before the step.

        Raises:
            NonFiniteLossError: The loss is NaN or infinite (no weight has changed).
            TypeError: `lr`, `X` or `Y` has the wrong type.
            ValueError: `lr` is negative or not finite, or a shape does not fit.

        Examples:
            >>> from nn.matrix import MatrixMLP
            >>> net = MatrixMLP.from_weights([[[0.1, 0.4], [0.8, 0.6]], [[0.3], [0.9]]])
            >>> round(net.train_step([[0.35, 0.9]], [[0.5]], lr=1.0, loss="half_sse"), 6)
            0.018104
            >>> net.weights[1].round(5).tolist()      # w35: 0.3 - 0.02767
            [[0.27233], [0.873]]
        """
        _check_lr("train_step", lr)
        acts = self.forward(X)
        out = acts[-1]
        value, grad_a = loss_and_grad(loss, out, _targets(loss, Y), reduction)
        if not math.isfinite(value):  # before any weight changes: a NaN would reach them all
            raise _non_finite("train_step", value, acts[0], Y)
        weights, biases, activations = self.weights, self.biases, self.activations
        slope = activation_derivative(activations[-1], out)
        delta = grad_a if slope is None else grad_a * slope  # BP1
        one = out.shape[0] == 1
        for l in range(len(weights) - 1, -1, -1):
            w, b = weights[l], biases[l]
            if l:
                back = delta @ w.T  # BP2 needs the weights before this step changes them
            step = lr * delta
            w -= acts[l].T * step if one else acts[l].T @ step  # BP4
            if b is not None:
                b -= step[0] if one else step.sum(axis=0)  # BP3
            if l:
                a = acts[l]
                if activations[l - 1] == "sigmoid":
                    delta = back * (a * (1.0 - a))  # BP2, sigma' = a(1 - a) written out
                else:
                    slope = activation_derivative(activations[l - 1], a)
                    delta = back if slope is None else back * slope  # BP2
        self.grads = None
        return value


def _non_finite(where: str, value: float, X: np.ndarray, Y: ArrayLike) -> Exception:
    """The error `nn.fit` raises for a non-finite loss, saying where the NaN or inf came from.

    Its epoch and step are 0 here: the demos' loops raise it again with theirs.
    """
    from .train import NonFiniteLossError

    rows = [i for i in range(X.shape[0]) if not np.all(np.isfinite(X[i]))]
    if rows:
        cause = f"input row {rows[0]} of the batch is {quote(X[rows[0]].tolist())}"
    elif not np.all(np.isfinite(np.asarray(Y, dtype=np.float64))):
        cause = "a target is not finite"
    else:
        cause = "the outputs overflowed (try a lower learning rate)"
    return NonFiniteLossError(
        f"{where}: the loss is {value!r} ({cause}); the weights were not changed", 0, 0, value
    )


def _check_lr(where: str, lr: object) -> None:
    if type(lr) is not float and (isinstance(lr, bool) or not isinstance(lr, numbers.Real)):
        raise TypeError(f"{where}: lr must be a real number, got {type(lr).__name__} {quote(lr)}")
    if not (math.isfinite(lr) and float(lr) >= 0.0):
        raise ValueError(f"{where}: lr must be finite and >= 0 (a negative lr climbs the loss), "
                         f"got {quote(lr)}")


def _targets(loss: str, Y: ArrayLike) -> np.ndarray:
    """Targets as float64 rows, or integer class indices for cross-entropy."""
    if loss == "cross_entropy":
        arr = np.asarray(Y)
        if arr.ndim == 1:
            return arr
        return _as_float64("loss 'cross_entropy'", arr, "target probabilities")
    if isinstance(Y, np.ndarray) and Y.dtype is _FLOAT64:  # the per-sample loop's case
        return Y
    return _as_float64(f"loss {quote(loss)}", Y, "targets of real numbers")


def _initial(
    init: str, rng: np.random.Generator, fan_in: int, fan_out: int
) -> tuple[np.ndarray, np.ndarray]:
    """One layer's starting W (fan_in, fan_out) and b (fan_out,)."""
    if init == "torch":
        r = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-r, r, (fan_in, fan_out)), rng.uniform(-r, r, fan_out)
    if init == "uniform":
        return rng.uniform(-1.0, 1.0, (fan_in, fan_out)), np.zeros(fan_out)
    if init == "xavier":
        r = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-r, r, (fan_in, fan_out)), np.zeros(fan_out)
    if init == "post004":
        w = rng.standard_normal((fan_in, fan_out)) * math.sqrt(1.0 / fan_out)
        return w, rng.uniform(0.0, 0.1, fan_out)
    # "normal"
    return rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out)
