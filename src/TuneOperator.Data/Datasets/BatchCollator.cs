namespace TuneOperator.Data.Datasets;

/// <summary>Pads rows to the longest one and lays them out as a <see cref="Batch"/>.</summary>
public static class BatchCollator
{
    /// <summary>Collates <paramref name="rows"/>; on the left side, padding goes before the tokens.</summary>
    public static Batch Collate(IReadOnlyList<TrainingSequence> rows, int padTokenId, PaddingSide side, DataPosition next)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one row", nameof(rows));
        }

        var length = rows.Max(r => r.Length);
        var size = rows.Count;
        var ids = new long[size * length];
        var labels = new long[size * length];
        var mask = new long[size * length];
        var positions = new long[size * length];
        var documents = new long[size * length];
        Array.Fill(ids, padTokenId);
        Array.Fill(labels, TokenizedExample.IgnoreIndex);
        Array.Fill(documents, -1);
        long tokens = 0;
        for (var r = 0; r < size; r++)
        {
            var row = rows[r];
            var offset = r * length + (side == PaddingSide.Left ? length - row.Length : 0);
            for (var t = 0; t < row.Length; t++)
            {
                ids[offset + t] = row.InputIds[t];
                labels[offset + t] = row.Labels[t];
                positions[offset + t] = row.PositionIds[t];
                documents[offset + t] = row.DocumentIds[t];
                if (row.DocumentIds[t] >= 0)
                {
                    mask[offset + t] = 1;
                    tokens++;
                }
            }
        }

        long[]? classLabels = rows[0].ClassLabel is null ? null : [.. rows.Select(r => (long)(r.ClassLabel ?? throw new ArgumentException("a batch mixes classification and other rows", nameof(rows))))];
        return new Batch(size, length, ids, labels, mask, positions, documents, classLabels, rows.Sum(r => r.Examples), tokens, next);
    }
}
