using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Replicator.Benchmarks;

/// <summary>Per-record figures from BenchmarkDotNet's per-operation ones: one operation is one batch of <c>Records</c> records.</summary>
internal sealed class PerRecordColumn : IColumn
{
    public static readonly IColumn RecordsPerSecond = new PerRecordColumn("Records/s", "Records parsed and planned per second (Records ÷ Median)", isThroughput: true);

    public static readonly IColumn AllocatedPerRecord = new PerRecordColumn("Alloc/record", "Bytes allocated per record (Allocated ÷ Records)", isThroughput: false);

    private readonly bool _isThroughput;

    private PerRecordColumn(string name, string legend, bool isThroughput)
    {
        ColumnName = name;
        Legend = legend;
        _isThroughput = isThroughput;
    }

    public string Id => ColumnName;

    public string ColumnName { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend { get; }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var figures = Figures.Of(summary, benchmarkCase);
        if (figures is null)
        {
            return "-";
        }

        return _isThroughput
            ? figures.RecordsPerSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : figures.BytesPerRecord.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " B";
    }

    public override string ToString() => ColumnName;
}

/// <summary>One benchmark case's figures, per batch and per record.</summary>
internal sealed record Figures(int Records, double MeanNanoseconds, double MedianNanoseconds, long AllocatedBytes)
{
    public double RecordsPerSecond => Records / (MedianNanoseconds / 1e9);

    public double BytesPerRecord => (double)AllocatedBytes / Records;

    public static Figures? Of(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics || benchmarkCase.Parameters["Records"] is not int records)
        {
            return null;
        }

        var allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) ?? 0;
        return new Figures(records, statistics.Mean, statistics.Median, allocated);
    }
}
