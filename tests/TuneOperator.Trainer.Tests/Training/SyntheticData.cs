using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>Small synthetic data sets with known answers.</summary>
internal static class SyntheticData
{
    /// <summary>Sequences where every token is followed by (token + step) mod vocabulary.</summary>
    public static List<SequenceExample> Counting(int count, int length, int vocabulary, int seed, int step = 1)
    {
        var random = new Random(seed);
        var result = new List<SequenceExample>(count);
        for (var i = 0; i < count; i++)
        {
            var start = random.Next(vocabulary);
            var ids = Enumerable.Range(0, length).Select(t => (start + (t * step)) % vocabulary).ToArray();
            result.Add(SequenceExample.ForLanguageModel(ids));
        }

        return result;
    }

    /// <summary>
    /// Sequences of noise tokens (3..vocabulary-1) with one marker token: marker 0 → class 0, 1 → class 1, 2 → class 2.
    /// </summary>
    public static List<SequenceExample> Markers(int count, int length, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var result = new List<SequenceExample>(count);
        for (var i = 0; i < count; i++)
        {
            var label = random.Next(3);
            var ids = Enumerable.Range(0, length).Select(_ => 3 + random.Next(vocabulary - 3)).ToArray();
            ids[random.Next(length)] = label;
            result.Add(SequenceExample.ForClassification(ids, label));
        }

        return result;
    }

    /// <summary>
    /// Instruction task: prompt [BOS, a, b, SEP], answer [a+1, b+1, EOS] (values in 4..vocabulary-1, wrapping), loss on
    /// the answer only.
    /// </summary>
    public static (List<SequenceExample> Train, List<GenerationExample> Generation) Instructions(int count, int vocabulary, int seed)
    {
        const int Bos = 1, Sep = 2, Eos = 3;
        var random = new Random(seed);
        var values = vocabulary - 4;
        var train = new List<SequenceExample>(count);
        var generation = new List<GenerationExample>(count);
        for (var i = 0; i < count; i++)
        {
            var a = random.Next(values);
            var b = random.Next(values);
            int[] prompt = [Bos, 4 + a, 4 + b, Sep];
            int[] answer = [4 + ((a + 1) % values), 4 + ((b + 1) % values)];
            int[] ids = [.. prompt, .. answer, Eos];
            var labels = ids.Select((id, t) => t < prompt.Length ? (int)Batch.IgnoreIndex : id).ToArray();
            train.Add(new SequenceExample(ids, labels));
            generation.Add(new GenerationExample(prompt, answer));
        }

        return (train, generation);
    }
}
