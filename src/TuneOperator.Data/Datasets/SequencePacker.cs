namespace TuneOperator.Data.Datasets;

/// <summary>
/// Packs examples into sequences of exactly the given length, greedily in reading order. An example is never split:
/// when the next one does not fit in what is left of the current sequence, the sequence is closed with padding (label
/// -100, document id -1) and the example starts the next one. Examples keep their EOS, which separates them. The label
/// of each example's first token is set to -100 so no example is trained to follow the previous one. Because each
/// sequence starts at the first example the previous one did not take, packing from any example boundary the previous
/// sequence ended on gives the same sequences as packing from the start: resumption is exact.
/// </summary>
public static class SequencePacker
{
    /// <summary>Packs <paramref name="examples"/>.</summary>
    /// <exception cref="ArgumentException">An example is longer than <paramref name="length"/>.</exception>
    public static IEnumerable<TrainingSequence> Pack(IEnumerable<TokenizedExample> examples, int length, int padTokenId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var ids = new List<int>(length);
        var labels = new List<int>(length);
        var positions = new List<int>(length);
        var documents = new List<int>(length);
        var count = 0;
        foreach (var example in examples)
        {
            if (example.Length > length)
            {
                throw new ArgumentException($"the example from {example.Location} has {example.Length} tokens, more than the packed length {length}", nameof(examples));
            }

            if (ids.Count + example.Length > length)
            {
                yield return Close();
            }

            for (var t = 0; t < example.Length; t++)
            {
                ids.Add(example.InputIds[t]);
                labels.Add(t == 0 ? TokenizedExample.IgnoreIndex : example.Labels[t]);
                positions.Add(t);
                documents.Add(count);
            }

            count++;
        }

        if (count > 0)
        {
            yield return Close();
        }

        TrainingSequence Close()
        {
            while (ids.Count < length)
            {
                ids.Add(padTokenId);
                labels.Add(TokenizedExample.IgnoreIndex);
                positions.Add(0);
                documents.Add(-1);
            }

            var sequence = new TrainingSequence([.. ids], [.. labels], [.. positions], [.. documents], null, count);
            ids.Clear();
            labels.Clear();
            positions.Clear();
            documents.Clear();
            count = 0;
            return sequence;
        }
    }
}
