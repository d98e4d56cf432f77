namespace TuneOperator.Data.Datasets;

/// <summary>
/// A padded batch as flat row-major arrays of shape [<see cref="Size"/>, <see cref="Length"/>], ready for
/// <c>torch.tensor(array, Size, Length)</c>. Labels hold -100 where the loss must not count (padding included); the
/// attention mask is 1 on tokens and 0 on padding; document ids are -1 on padding.
/// </summary>
/// <param name="Size">Rows in the batch.</param>
/// <param name="Length">Positions per row.</param>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">Loss targets aligned with the ids (the model shifts them).</param>
/// <param name="AttentionMask">1 for tokens, 0 for padding.</param>
/// <param name="PositionIds">Positions, restarting for each packed example.</param>
/// <param name="DocumentIds">The packed example each token belongs to within its row, -1 for padding.</param>
/// <param name="ClassLabels">One label index per row for classification, otherwise null.</param>
/// <param name="Examples">Examples in the batch.</param>
/// <param name="Tokens">Non-padding tokens in the batch.</param>
/// <param name="Next">The position after this batch: store it in a checkpoint to resume after it.</param>
public sealed record Batch(
    int Size,
    int Length,
    long[] InputIds,
    long[] Labels,
    long[] AttentionMask,
    long[] PositionIds,
    long[] DocumentIds,
    long[]? ClassLabels,
    int Examples,
    long Tokens,
    DataPosition Next);
