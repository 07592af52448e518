"""The command line's options: scalar types and shapes, the mode options
(``-a``, ``-r``, ``-p``, ``-R``, ``-c``, as the ``zfp`` program spells them)
and the `Mode` they make, and the way a mode is told back to the user
(descriptions, equivalent options, row labels, Zarr codecs).
"""

from __future__ import annotations

import argparse
import ast
import shutil
import textwrap
from typing import Any, Callable, Sequence, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from .. import engine
from ..masked import Missing
from ..modes import EXPERT, REVERSIBLE, ZFP_MAX_BITS, Mode, params_kind
from .errors import CLIError, UsageError

STDIO = "-"                     # the file name that means stdin or stdout

# Scalar type names the zfp program (-t) and NumPy users type.
DTYPE_ALIASES = {"i32": "int32", "i64": "int64", "f32": "float32", "f64": "float64",
                 "float": "float32", "double": "float64", "f": "float32", "d": "float64"}

# The subcommands' parsers are added to this (add_subparsers' result).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# What a subcommand does with the parsed command line.
Run: TypeAlias = Callable[[argparse.Namespace], None]
# A mode option's value: -a/-r a float, -p an int, -R True, -c four ints.
SettingValue: TypeAlias = float | bool | tuple[int, ...]

RAW_HELP = ("Raw binary files hold the values in C order (last axis fastest): "
            "'zfp -3 NX NY NZ' is --shape NZ,NY,NX.")


# --------------------------------------------------------------------------
# Values of options
# --------------------------------------------------------------------------

def parse_dtype(text: str) -> np.dtype[Any]:
    """A zfp scalar type from its NumPy or zfp-program name."""
    name = DTYPE_ALIASES.get(text.lower(), text)
    try:
        dtype = np.dtype(name)
        engine.ztype_of(dtype)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a zfp scalar type: use int32, int64, float32 or float64 "
            "(i32, i64, f32, f64)") from None
    return dtype


def parse_shape(text: str) -> tuple[int, ...]:
    """A shape written as 100,200,300 or 100x200x300."""
    parts = text.replace("x", ",").replace("X", ",").split(",")
    try:
        shape = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape: write positive integers separated by commas, "
            "e.g. 100,200,300") from None
    if not 1 <= len(shape) <= 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape zfp can hold: 1 to 4 axes, each at least 1")
    return shape


def parse_region(text: str) -> tuple[Any, ...]:
    """A selection in NumPy's syntax, as written between the brackets of
    ``a[...]``: integers, slices (start:stop:step, negative values too),
    '...' and lists of integers, separated by commas."""
    try:
        tree = ast.parse(f"_[{text}]", mode="eval").body
        if not isinstance(tree, ast.Subscript) or not isinstance(tree.value, ast.Name):
            raise ValueError("not one index")  # e.g. '1] + _[2'
        items = tree.slice.elts if isinstance(tree.slice, ast.Tuple) else [tree.slice]
        return tuple(_region_item(item) for item in items)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # (the last two: nesting deeper than Python's parser goes, '----...1')
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a region: write what goes between the brackets of a NumPy "
            "index, e.g. '10:20, ::-2, 5' or '..., [0, 3]' (integers, slices, '...', "
            "lists of integers)") from None


def _region_item(node: ast.expr) -> Any:
    if isinstance(node, ast.Slice):
        return slice(*(None if part is None else _region_int(part)
                       for part in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    if isinstance(node, ast.List):
        return [_region_int(element) for element in node.elts]
    return _region_int(node)


def _region_int(node: ast.expr) -> int:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _region_int(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    raise ValueError("not an integer")


def parse_missing(text: str) -> Missing:
    """What counts as missing: 'nan' (NaN and +-inf) or a fill value.  An
    integer stays one (float() would round int64 fill values beyond 2^53,
    and then match other values or none)."""
    value: str | int | float
    try:
        value = text if text.strip().lower() == "nan" else int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not 'nan' or a number (the fill value, e.g. -1e10)") from None
    try:
        return Missing.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def nonnegative_int(text: str) -> int:
    """An integer >= 0 (for --threads)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 0")
    return value


def thread_count_option(text: str) -> int:
    """--threads: an integer the engine takes (`engine.thread_count`)."""
    try:
        return engine.thread_count(nonnegative_int(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_int(text: str) -> int:
    """An integer >= 1 (for --repeat)."""
    value = nonnegative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 1")
    return value


# Options whose values may be negative numbers.  argparse takes "-1e-3" or
# "-inf" for an option (it knows only -5 and -.5 as numbers) and fails with
# "expected one argument", hiding the real message.
NUMBER_OPTIONS = frozenset({"-a", "--tolerance", "-r", "--rate", "-p", "--precision",
                            "-c", "--expert", "--missing"})
# Options whose one value is a NumPy index, which may begin with a minus
# sign ('-1:, 2', '-3:'): argparse takes those for options too.
INDEX_OPTIONS = frozenset({"--region"})


def protect_negative_numbers(argv: Sequence[str]) -> list[str]:
    """`argv` with every negative number among the values of a
    `NUMBER_OPTIONS` option, and an `INDEX_OPTIONS` value that begins with
    a minus sign, given a leading space, which makes argparse read it as a
    value; float(), int() and the index parser ignore the space."""
    protected: list[str] = []
    in_values = False
    for index, token in enumerate(argv):
        if token == "--":
            return protected + list(argv[index:])
        after_index_option = index > 0 and argv[index - 1] in INDEX_OPTIONS
        if token.startswith("-") and (after_index_option or
                                      (in_values and _is_number(token))):
            token = " " + token
        else:
            in_values = token in NUMBER_OPTIONS or (in_values and _is_number(token))
        protected.append(token)
    return protected


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------
# Building the parsers
# --------------------------------------------------------------------------

def subparser(commands: Commands, name: str, run: Run, help: str, description: str,
              parents: Sequence[argparse.ArgumentParser] = (),
              epilog: str | None = None) -> argparse.ArgumentParser:
    """The parser of subcommand `name`, which calls `run(args)`."""
    sub = commands.add_parser(name, help=help, description=wrap(description), epilog=epilog,
                              parents=list(parents),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.set_defaults(command=name, run=run)
    return sub


def wrap(text: str) -> str:
    """`text` filled to the terminal's width (the epilogs keep their lines)."""
    width = min(shutil.get_terminal_size().columns, 100) - 2
    return textwrap.fill(text, width)


def add_raw_options(sub: argparse.ArgumentParser, what: str) -> None:
    """--dtype and --shape, for raw binary files."""
    group = sub.add_argument_group("raw binary " + what, wrap(RAW_HELP))
    group.add_argument("-t", "--dtype", type=parse_dtype, metavar="TYPE",
                       help="scalar type: int32, int64, float32, float64 (or i32, i64, f32, "
                            "f64, float, double; '>f4' etc. for big-endian data)")
    group.add_argument("--shape", type=parse_shape, metavar="SHAPE",
                       help="NumPy shape of 1 to 4 axes, e.g. 100,200,300 (or 100x200x300)")


def add_mode_options(sub: argparse.ArgumentParser, several: bool = False) -> None:
    """The mode options: one of them for compress/decompress, any number of
    each (every value a setting, in command-line order) for stats."""
    title = "compression settings (give any number; each value is one row)" if several \
        else "compression mode (one of; default: --reversible)"
    group: argparse._ActionsContainer = sub.add_argument_group(title)
    if not several:
        group = group.add_mutually_exclusive_group()
    nargs = "+" if several else None
    action: str | type[argparse.Action] = _AddSetting if several else "store"
    group.add_argument("-a", "--tolerance", type=float, nargs=nargs, action=action,
                       metavar="TOL",
                       help="fixed accuracy: absolute error bound (zfp -a)")
    group.add_argument("-r", "--rate", type=float, nargs=nargs, action=action, metavar="BITS",
                       help="fixed rate: compressed bits per value (zfp -r; float/double "
                            "blocks get at least 9/12 bits)")
    group.add_argument("-p", "--precision", type=int, nargs=nargs, action=action,
                       metavar="PREC", help="fixed precision: bit planes kept, 1..64 (zfp -p)")
    group.add_argument("-R", "--reversible", nargs=0, action=_AddSetting if several
                       else _StoreTrue, help="lossless (zfp -R)")
    group.add_argument("-c", "--expert", type=int, nargs=4, action=_AddSetting if several
                       else "store", metavar=("MINBITS", "MAXBITS", "MAXPREC", "MINEXP"),
                       help="expert parameters as zfp -c: bits per block, bit planes, "
                            "lowest bit plane; MAXBITS 0 = unlimited, MAXPREC 0 = full")
    if several:
        sub.set_defaults(settings=[])


class _StoreTrue(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, True)


class _AddSetting(argparse.Action):
    """Append (mode name, value) pairs to `settings`, keeping their order."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        settings: list[tuple[str, SettingValue]] = list(getattr(namespace, "settings", None)
                                                        or [])
        given = cast("list[Any]", values)  # nargs makes a list of values of the option's type
        if self.dest == "reversible":
            settings.append(("reversible", True))
        elif self.dest == "expert":
            settings.append(("expert", tuple(given)))
        else:
            settings.extend((self.dest, value) for value in given)
        namespace.settings = settings


BOUND_GROUP = "missing values and the error bound"


def add_force(sub: argparse.ArgumentParser, what: str) -> None:
    """--force (-f): replace an existing output, the only way to."""
    sub.add_argument("-f", "--force", action="store_true",
                     help=f"replace {what} if it exists (it is replaced only once the new "
                          "one is complete)")


def add_bound_options(sub: argparse.ArgumentParser, what: str | None) -> None:
    """--missing (`what` it does; None for an output that cannot keep
    missing values apart: no --missing) and --allow-unbounded: how a lossy
    mode's error bound is kept where missing values (NaN, +-inf, fill
    values) would break it."""
    group = add_missing_option(sub, what) if what else sub.add_argument_group(
        BOUND_GROUP)
    group.add_argument("--allow-unbounded", action="store_true",
                       help="store a lossy stream even where its error bound cannot hold "
                            "(NaN, +-inf, or a range too wide for the tolerance, which "
                            "corrupt their 4^d block); by default that is refused")


def add_missing_option(sub: argparse.ArgumentParser, what: str) -> Any:
    """--missing, in the argument group of the bound's options (returned)."""
    group = sub.add_argument_group(BOUND_GROUP)
    group.add_argument("--missing", type=parse_missing, metavar="nan|VALUE",
                       help=f"{what}: values that are NaN or +-inf ('nan'), or also equal "
                            "to VALUE (a fill value such as -1e10), are stored exactly "
                            "beside the zfp stream and the others within its bound")
    return group


def describe_missing(missing: Missing, dtype: np.dtype[Any]) -> str:
    """What `missing` names in an array of `dtype`, in words: 'NaN, +-inf,
    -1e+10'."""
    fill = missing.fill
    named = [] if fill is None else [f"{fill}" if isinstance(fill, int) else f"{fill:g}"]
    if named and missing.fill_for(dtype) is None:  # e.g. 1e40 in float32, 0.5 in int32
        named[0] += f" (no {dtype} value: none equals it)"
    return ", ".join((["NaN", "+-inf"] if dtype.kind == "f" else []) + named) or "none named"


def add_threads(sub: argparse.ArgumentParser) -> None:
    """--threads, for the block coder."""
    sub.add_argument("--threads", type=thread_count_option, default=1, metavar="N",
                     help="threads for the block coder, 0 = one per core (default 1; the "
                          "stream does not depend on it)")


# --------------------------------------------------------------------------
# Modes: from the options to a Mode, and back to words and options
# --------------------------------------------------------------------------

def build_mode(kind: str | None, value: SettingValue | None, dtype: npt.DTypeLike) -> Mode:
    """The validated `Mode` of one mode option (None: reversible).  Expert
    parameters follow zfp -c: MAXBITS 0 is unlimited, MAXPREC 0 the type's
    precision."""
    try:
        if kind is None or kind == "reversible":
            return Mode.from_args(reversible=True)
        if kind == "expert":
            minbits, maxbits, maxprec, minexp = cast("tuple[int, int, int, int]", value)
            return Mode.from_args(minbits=minbits, maxbits=maxbits or ZFP_MAX_BITS,
                                  maxprec=maxprec or 8 * np.dtype(dtype).itemsize,
                                  minexp=minexp)
        # Any: argparse made the value of the type the option names
        return Mode.from_args(**cast("dict[str, Any]", {kind: value}))
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


def _single_mode(args: argparse.Namespace) -> tuple[str | None, SettingValue | None]:
    """The (kind, value) of the mode option given to compress/decompress."""
    for kind in ("tolerance", "rate", "precision", "expert"):
        value = getattr(args, kind)
        if value is not None:
            return kind, value
    return ("reversible", True) if args.reversible else (None, None)


def mode_name(params: tuple[int, int, int, int]) -> str:
    """The name of the mode a parameter quadruple stands for."""
    kind = params_kind(params)
    return "invalid" if kind is None else kind.replace("_", " ")


def equivalent_options(params: tuple[int, int, int, int], dims: int, dtype: np.dtype[Any]) -> str:
    """Options of `compress` that give exactly these parameters: the mode's
    own option where it does (a fixed rate below the float/double minimum,
    written by zfpy, does not), else --expert."""
    mode = Mode.from_params(params, dims, engine.ztype_of(dtype))
    if mode.kind == EXPERT:
        return "--expert " + " ".join(str(value) for value in params)
    if mode.kind == REVERSIBLE:
        return "--reversible"
    (kind, value), = mode.parameters.items()
    return f"--{kind} {_exact(value)}"


def _exact(value: float) -> str:
    """The shortest text that reads back as `value` ('8', not '8.0')."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def setting_label(kind: str, value: SettingValue | None) -> str:
    """A mode option as the first column of a table names it."""
    if kind == "reversible":
        return "reversible"
    if kind == "expert":
        return "expert " + " ".join(str(v) for v in cast("tuple[int, ...]", value))
    return f"{kind} {value:g}"


def zarr_codec_args(mode: Mode, zarr_format: int, threads: int = 1,
                    missing: Missing | None = None, strict: bool = True) -> dict[str, object]:
    """create_array's codec arguments for zfp in `mode`: the numcodecs codec
    `zfpcodec.ZFP` as the compressor of a v2 array, the array-to-bytes codec
    `zfpcodec.zarr3.ZFPCodec` as the serializer of a v3 one; with `missing`,
    their masked variants `zfpcodec.MaskedZFP` and
    `zfpcodec.zarr3.MaskedZFPCodec`.  `strict`: the codecs refuse chunks
    whose error bound cannot hold."""
    try:
        if zarr_format == 2:
            if missing is None:
                from ..codec import ZFP
                return dict(compressors=ZFP.from_mode(mode, threads=threads, strict=strict),
                            filters=None)
            from ..masked_codec import MaskedZFP
            return dict(compressors=MaskedZFP.from_mode(mode, threads=threads, strict=strict,
                                                        missing=missing), filters=None)
        if missing is None:
            from ..zarr3 import ZFPCodec
            codec: object = ZFPCodec.from_mode(mode, threads=threads, strict=strict)
        else:
            from ..zarr3_masked import MaskedZFPCodec
            codec = MaskedZFPCodec.from_mode(mode, threads=threads, strict=strict,
                                             missing=missing)
        return dict(serializer=codec, compressors=None, filters=None)
    except ImportError as error:
        raise CLIError(f"the Zarr v{zarr_format} zfp codec is not available in this "
                       f"installation of zfpcodec ({error})") from None
