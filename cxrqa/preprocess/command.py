"""``cxrqa preprocess``: turn radiograph files or folders into model inputs, outside DVC too."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cxrqa.cli_options import add_params_option, add_progress_option

DESCRIPTION = """\
Read radiographs and write the model's inputs.

Reads: every file named, and every file under every folder named (recursively; hidden files
skipped). DICOM is recognised by content (Part 10 'DICM' marker), any transfer syntax pydicom's
plugins decode (uncompressed, JPEG, JPEG-LS, JPEG 2000, RLE); grayscale PNG/TIFF/JPEG files are read
as display values. With --masks, DIR/<id>.png lung masks (255 = lung, same grid) become the ROIs.

Writes to OUT: images/<id>.png (16-bit, the diagnostic-region crop resized to HEIGHT x WIDTH),
rois/<id>.png (8-bit, 255 = region of interest), manifest.csv (one row per image: id, source file,
vendor, photometric interpretation, bits, pixel spacing, original size, crop box, ...) and
errors.csv (file, reason, detail: one row per file that could not be used or path not read, e.g.
reason 'colour', 'multi_frame', 'modality', 'too_small', 'no_decoder', 'truncated_pixel_data',
'not_dicom', 'bad_header', 'encoding_mismatch', 'blank_image', 'too_large', 'timeout'; the list is
in the README). Every path under the inputs gets exactly one line in one of the two tables.

Each file is read in a supervised worker process: a decoder crash, a hang (preprocess.file_timeout_s)
or a runaway allocation (preprocess.file_memory_mb) costs that file, never the batch.

Exit status: 0 when at least one image was written, 1 when none could be read, 2 on a usage error
or an output folder that cannot be written.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``preprocess`` subcommand."""
    parser = subparsers.add_parser(
        "preprocess",
        help="decode, crop and resize radiographs (DICOM or PNG) into model inputs",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", nargs="+", required=True, metavar="PATH", help="files or folders to read")
    parser.add_argument("--out", required=True, type=Path, metavar="OUT", help="output folder")
    parser.add_argument("--masks", type=Path, metavar="DIR", help="folder of true lung masks <id>.png")
    add_params_option(parser, "preprocess", default=None)
    parser.add_argument("--height", type=int, help="output height in pixels (default 768)")
    parser.add_argument("--width", type=int, help="output width in pixels (default 512)")
    parser.add_argument("--workers", type=int, help="worker processes (0 = one per CPU core)")
    parser.add_argument(
        "--crop-sheet", type=Path, metavar="PNG",
        help="also draw a sheet of sample crops (box on the original) to this PNG",
    )  # fmt: skip
    parser.add_argument(
        "--sheet-extra", nargs="*", default=[], metavar="PATH",
        help="files or folders of real images to add a few of to the crop sheet (skipped if absent)",
    )  # fmt: skip
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa preprocess``; returns the exit status."""
    from cxrqa.config import load_section
    from cxrqa.preprocess.pipeline import collect_inputs, make_tasks, preprocess_many

    overrides = {"height": args.height, "width": args.width, "workers": args.workers}
    params = load_section(args.params, "preprocess", overrides)
    tasks = make_tasks(collect_inputs(args.input), args.masks)
    manifest, errors = preprocess_many(tasks, args.out, params, progress=not args.no_progress)
    print(
        f"cxrqa preprocess: {len(manifest)} images written to {args.out}, "
        f"{len(errors)} unusable (see {args.out / 'errors.csv'})",
        file=sys.stderr,
    )
    if args.crop_sheet is not None and len(manifest):
        from cxrqa.preprocess.sheet import draw_crop_sheet, sheet_entries

        entries = sheet_entries(manifest, args.masks, args.sheet_extra)
        draw_crop_sheet(entries, args.crop_sheet, params)
    return 0 if len(manifest) else 1
