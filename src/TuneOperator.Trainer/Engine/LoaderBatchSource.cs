using TuneOperator.Data.Datasets;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;
using DataBatch = TuneOperator.Data.Datasets.Batch;
using TrainingBatch = TuneOperator.Trainer.Training.Batch;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// The training loop's view of a <see cref="DataLoader"/>: the loader's seeded, mixed and (optionally) packed batches
/// as tensors, with a batch-counting position that <see cref="Seek"/> maps back onto the loader's example position,
/// so a resumed run reads exactly the batches the uninterrupted run would have read. Rows that pack several documents
/// (or are padded on the left) carry segment ids and per-document positions, so no token attends to another
/// document or to padding and each document sees the positions it would have alone.
/// </summary>
public sealed class LoaderBatchSource : IBatchSource, IDisposable
{
    private readonly DataLoader loader;
    private readonly Device device;
    private IEnumerator<DataBatch>? reader;

    /// <summary>Creates a source over <paramref name="loader"/> that makes its tensors on <paramref name="device"/>.</summary>
    public LoaderBatchSource(DataLoader loader, Device device)
    {
        this.loader = loader;
        this.device = device;
        BatchesPerEpoch = Math.Max(1, loader.BatchesPerEpoch(0));
    }

    /// <inheritdoc />
    public int BatchesPerEpoch { get; }

    /// <inheritdoc />
    public BatchPosition Position { get; private set; } = BatchPosition.Start;

    /// <inheritdoc />
    public void Seek(BatchPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (position.Epoch < 0 || position.Index < 0 || position.Index >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"A position needs epoch >= 0 and 0 <= index < {BatchesPerEpoch}.");
        }

        CloseReader();
        Position = position;
    }

    /// <inheritdoc />
    public TrainingBatch Next()
    {
        var batch = ReadNext();
        var index = Position.Index + 1;
        Position = index >= BatchesPerEpoch || batch.Next.Epoch != Position.Epoch
            ? new BatchPosition(Position.Epoch + 1, 0)
            : Position with { Index = index };
        if (Position.Index == 0)
        {
            CloseReader();
        }

        return ToTensors(batch);
    }

    /// <inheritdoc />
    public void Dispose() => CloseReader();

    private DataBatch ReadNext()
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (reader is null)
            {
                var start = loader.PositionOfBatch(Position.Epoch, Position.Index);
                if (start.Epoch != Position.Epoch)
                {
                    Position = new BatchPosition(Position.Epoch + 1, 0);
                    start = DataPosition.Start with { Epoch = Position.Epoch };
                }

                reader = loader.ReadEpoch(start).GetEnumerator();
            }

            if (reader.MoveNext())
            {
                return reader.Current;
            }

            // A packed epoch can hold fewer batches than the first one: continue with the next epoch.
            CloseReader();
            Position = new BatchPosition(Position.Epoch + 1, 0);
        }

        throw new InvalidOperationException($"The data loader yielded no batch for epoch {Position.Epoch}.");
    }

    private TrainingBatch ToTensors(DataBatch batch)
    {
        var ids = tensor(batch.InputIds, [batch.Size, batch.Length], device: device);
        var labels = batch.ClassLabels is { } classes
            ? tensor(classes, [batch.Size], device: device)
            : tensor(batch.Labels, [batch.Size, batch.Length], device: device);
        if (batch.ClassLabels is not null || IsPlainCausal(batch))
        {
            return new TrainingBatch(ids, labels);
        }

        var segments = new long[batch.DocumentIds.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = batch.DocumentIds[i] + 1;
        }

        return new TrainingBatch(
            ids,
            labels,
            tensor(segments, [batch.Size, batch.Length], device: device),
            tensor(batch.PositionIds, [batch.Size, batch.Length], device: device));
    }

    /// <summary>
    /// Whether plain causal attention over each row is exact: every row holds one document from its first position
    /// on, followed only by padding (right padding, no packing), so no token can see another document or padding.
    /// </summary>
    private static bool IsPlainCausal(DataBatch batch)
    {
        for (var row = 0; row < batch.Size; row++)
        {
            var padded = false;
            for (var t = 0; t < batch.Length; t++)
            {
                var document = batch.DocumentIds[(row * batch.Length) + t];
                if (document > 0 || (padded && document == 0))
                {
                    return false;
                }

                padded |= document < 0;
            }
        }

        return true;
    }

    private void CloseReader()
    {
        reader?.Dispose();
        reader = null;
    }
}
