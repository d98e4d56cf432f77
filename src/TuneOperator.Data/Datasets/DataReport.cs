using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Datasets;

/// <summary>What preprocessing did with all files of a job, for the job's status and the <c>tune data</c> view.</summary>
/// <param name="Files">One report per file (training files, then their validation files).</param>
public sealed record DataReport(IReadOnlyList<SourceReport> Files)
{
    /// <summary>Lines read from all files.</summary>
    public long RowsRead => Files.Sum(f => f.RowsRead);

    /// <summary>Rows kept in all files and splits (variants not included).</summary>
    public long RowsKept => Files.Sum(f => f.RowsKept + f.RowsHeldOut);

    /// <summary>Augmented variants added.</summary>
    public long RowsAugmented => Files.Sum(f => f.RowsAugmented);

    /// <summary>Tokens of everything kept.</summary>
    public long Tokens => Files.Sum(f => f.Tokens);

    /// <summary>Rows dropped for <paramref name="reason"/> in all files.</summary>
    public long Dropped(DropReason reason) => Files.Sum(f => f.Dropped(reason));

    /// <summary>Rows dropped for any reason in all files.</summary>
    public long DroppedTotal => Files.Sum(f => f.DroppedTotal);

    /// <summary>The drops per reason over all files, with up to <paramref name="samples"/> examples each.</summary>
    public IReadOnlyList<DropSummary> Drops(int samples = 5) =>
    [
        .. Files.SelectMany(f => f.Drops)
            .GroupBy(d => d.Reason)
            .OrderBy(g => g.Key)
            .Select(g => new DropSummary(g.Key, g.Sum(d => d.Count), [.. g.SelectMany(d => d.First).Take(samples)])),
    ];

    /// <summary>
    /// One line for a status message, e.g. <c>kept 97 of 100 rows (12345 tokens); dropped 3: malformed 2 (train.jsonl:4, train.jsonl:9), duplicate 1 (train.jsonl:7)</c>.
    /// </summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"kept {RowsKept} of {RowsRead} rows ({Tokens} tokens)");
        if (RowsAugmented > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {RowsAugmented} augmented variants");
        }

        var drops = Drops(3);
        if (drops.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; dropped {DroppedTotal}: ");
            text.AppendJoin(", ", drops.Select(d =>
                $"{d.Reason.ToString().ToLowerInvariant()} {d.Count} ({string.Join(", ", d.First.Select(s => s.Location))})"));
        }

        return text.ToString();
    }
}
