using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Builds the boolean attention mask (true = may attend) from a per-token mask [B, T] in which 0 marks padding and
/// any other value is a segment id: a token attends causally to earlier tokens of its own segment only, so packed
/// sequences (1, 1, 1, 2, 2, 0, ...) do not see each other. An all-ones mask is ordinary causal attention.
/// </summary>
public static class AttentionMask
{
    /// <summary>The mask [B, 1, T, T] for <paramref name="attentionMask"/> [B, T].</summary>
    public static Tensor Build(Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var length = attentionMask.shape[1];
        var segments = attentionMask.to_type(ScalarType.Int64);
        var causal = torch.ones(length, length, ScalarType.Bool, attentionMask.device).tril();
        var sameSegment = segments.unsqueeze(2).eq(segments.unsqueeze(1));
        var keyIsToken = segments.unsqueeze(1).ne(0);
        // A padding query attends to itself only, so its softmax row stays finite.
        var self = torch.eye(length, dtype: ScalarType.Bool, device: attentionMask.device);
        var allowed = sameSegment.logical_and(keyIsToken).logical_and(causal).logical_or(self);
        return allowed.unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Position ids [B, T] that restart at 0 at the first token of every segment of <paramref name="attentionMask"/>
    /// (segments must be contiguous), so packed sequences get the positions they would have alone and left-padded
    /// rows start their text at position 0.
    /// </summary>
    public static Tensor SegmentPositions(Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var batch = attentionMask.shape[0];
        var length = attentionMask.shape[1];
        var segments = attentionMask.to_type(ScalarType.Int64);
        var sameSegment = segments.unsqueeze(2).eq(segments.unsqueeze(1));
        var indices = torch.arange(length, dtype: ScalarType.Int64, device: attentionMask.device);
        var candidates = indices.view(1, 1, length).expand(batch, length, length).masked_fill(sameSegment.logical_not(), length);
        var (start, _) = candidates.min(-1);
        return (indices.unsqueeze(0) - start).MoveToOuterDisposeScope();
    }

    /// <summary>Position ids 0..T-1 for every row, [B, T].</summary>
    public static Tensor DefaultPositions(Tensor inputIds)
    {
        using var scope = torch.NewDisposeScope();
        var length = inputIds.shape[1];
        return torch.arange(length, dtype: ScalarType.Int64, device: inputIds.device)
            .unsqueeze(0).expand(inputIds.shape[0], length).MoveToOuterDisposeScope();
    }
}
