"""The monthly report asset: one PDF (Chinese and English) and XLSX per month partition."""

import dagster as dg

from ..partitions import monthly_partitions
from ..resources import Warehouse
from .indicators import indicator_progress
from .ingestion import OWNER


@dg.asset(
    partitions_def=monthly_partitions,
    deps=[indicator_progress],
    group_name="reports",
    kinds={"pdf"},
    owners=[OWNER],
    description="月度知识产权指标报告 — the monthly PDF for leaders (Chinese, with a full English edition) and an "
                "XLSX with the same tables, written to <home>/reports/<YYYY-MM>/.",
)
def monthly_report(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from ..report import build_report

    month = context.partition_key[:7]
    built = {lang: build_report(warehouse.paths.root, month, lang=lang) for lang in ("zh", "en")}
    zh = built["zh"]
    return dg.MaterializeResult(metadata={
        "month": dg.MetadataValue.text(month),
        "pdf_zh": dg.MetadataValue.path(str(zh.pdf)),
        "pdf_en": dg.MetadataValue.path(str(built["en"].pdf)),
        "xlsx": dg.MetadataValue.path(str(zh.xlsx)),
        "pdf_bytes": dg.MetadataValue.int(zh.pdf.stat().st_size),
    })
