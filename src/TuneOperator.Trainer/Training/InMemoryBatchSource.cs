using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Batches from tokenized examples held in memory. With shuffling, each epoch's order is a permutation drawn from
/// <c>(seed, epoch)</c>, so the order never depends on how many batches were read before a restart. Sequences in a
/// batch are right-padded to the longest one with <c>padId</c>; padded positions get the label
/// <see cref="Batch.IgnoreIndex"/>. The last batch of an epoch may be smaller.
/// </summary>
public sealed class InMemoryBatchSource : IBatchSource
{
    private readonly IReadOnlyList<SequenceExample> examples;
    private readonly int batchSize;
    private readonly bool shuffle;
    private readonly long seed;
    private readonly int padId;
    private readonly torch.Device device;
    private readonly bool classification;
    private int[] order;

    /// <summary>Creates a source.</summary>
    /// <param name="examples">The examples; all language-modelling or all classification.</param>
    /// <param name="batchSize">Examples per batch, at least 1.</param>
    /// <param name="seed">Seed of the per-epoch order.</param>
    /// <param name="shuffle">False keeps the given order in every epoch (evaluation).</param>
    /// <param name="padId">The id used to pad short sequences.</param>
    /// <param name="device">Where batches are made; the CPU by default.</param>
    public InMemoryBatchSource(IReadOnlyList<SequenceExample> examples, int batchSize, long seed = 0, bool shuffle = true, int padId = 0, torch.Device? device = null)
    {
        if (examples.Count == 0)
        {
            throw new ArgumentException("The data set has no examples; a batch source needs at least one.", nameof(examples));
        }

        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        }

        classification = examples[0].ClassLabel is not null;
        for (var i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            if (example.InputIds.Count == 0)
            {
                throw new ArgumentException($"examples[{i}].InputIds is empty; every example needs at least one token.", nameof(examples));
            }

            if (classification != (example.ClassLabel is not null))
            {
                throw new ArgumentException($"examples[{i}] mixes classification and language-modelling examples; a source holds one kind.", nameof(examples));
            }

            if (!classification && (example.Labels is null || example.Labels.Count != example.InputIds.Count))
            {
                throw new ArgumentException($"examples[{i}].Labels must have one label per input id ({example.InputIds.Count}).", nameof(examples));
            }
        }

        this.examples = examples;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.padId = padId;
        this.device = device ?? torch.CPU;
        BatchesPerEpoch = (examples.Count + batchSize - 1) / batchSize;
        Position = BatchPosition.Start;
        order = OrderOf(0);
    }

    /// <inheritdoc />
    public int BatchesPerEpoch { get; }

    /// <inheritdoc />
    public BatchPosition Position { get; private set; }

    /// <inheritdoc />
    public void Seek(BatchPosition position)
    {
        if (position.Epoch < 0 || position.Index < 0 || position.Index >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"A position needs epoch >= 0 and 0 <= index < {BatchesPerEpoch}.");
        }

        if (position.Epoch != Position.Epoch)
        {
            order = OrderOf(position.Epoch);
        }

        Position = position;
    }

    /// <inheritdoc />
    public Batch Next()
    {
        var start = Position.Index * batchSize;
        var count = Math.Min(batchSize, examples.Count - start);
        var rows = new SequenceExample[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = examples[order[start + i]];
        }

        var batch = Make(rows);
        var next = Position.Index + 1;
        if (next >= BatchesPerEpoch)
        {
            order = OrderOf(Position.Epoch + 1);
            Position = new BatchPosition(Position.Epoch + 1, 0);
        }
        else
        {
            Position = Position with { Index = next };
        }

        return batch;
    }

    private int[] OrderOf(int epoch)
        => shuffle ? SeededRandom.Derive(seed, epoch).Permutation(examples.Count) : Enumerable.Range(0, examples.Count).ToArray();

    private Batch Make(SequenceExample[] rows)
    {
        var length = rows.Max(r => r.InputIds.Count);
        var ids = new long[rows.Length * length];
        var labels = classification ? new long[rows.Length] : new long[rows.Length * length];
        for (var r = 0; r < rows.Length; r++)
        {
            var row = rows[r];
            for (var t = 0; t < length; t++)
            {
                var inside = t < row.InputIds.Count;
                ids[(r * length) + t] = inside ? row.InputIds[t] : padId;
                if (!classification)
                {
                    labels[(r * length) + t] = inside ? row.Labels![t] : Batch.IgnoreIndex;
                }
            }

            if (classification)
            {
                labels[r] = row.ClassLabel!.Value;
            }
        }

        var inputTensor = torch.tensor(ids, [rows.Length, length], device: device);
        var labelTensor = classification
            ? torch.tensor(labels, [rows.Length], device: device)
            : torch.tensor(labels, [rows.Length, length], device: device);
        return new Batch(inputTensor, labelTensor);
    }
}
