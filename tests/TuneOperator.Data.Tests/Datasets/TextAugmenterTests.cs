using TuneOperator.Data.Datasets;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class TextAugmenterTests
{
    private static readonly AugmentationOptions Noisy = new()
    {
        VariantsPerRow = 3,
        WordDropout = 0.2,
        WordSwap = 0.2,
        CaseNoise = 0.2,
        WhitespaceNoise = 0.2,
        Seed = 3,
    };

    private static readonly InstructionRow Row = new("Summarise the following short text for a child", "The quick brown fox jumps over the lazy dog", "A fox jumps.");

    [Fact]
    public void Variants_are_deterministic_for_a_seed()
    {
        var hash = (ulong)DatasetPreparer.RowHash(Row);

        var first = new TextAugmenter(Noisy).Variants(Row, hash);
        var again = new TextAugmenter(Noisy).Variants(Row, hash);
        var otherSeed = new TextAugmenter(Noisy with { Seed = 4 }).Variants(Row, hash);

        Assert.Equal(3, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
        Assert.Equal(3, first.Distinct().Count());
    }

    [Fact]
    public void Noise_touches_the_prompt_but_never_the_output()
    {
        var variants = new TextAugmenter(Noisy).Variants(Row, 1).Cast<InstructionRow>().ToList();

        Assert.All(variants, v => Assert.Equal(Row.Output, v.Output));
        Assert.Contains(variants, v => v.Instruction != Row.Instruction || v.Input != Row.Input);
    }

    [Fact]
    public void The_probability_selects_rows()
    {
        var augmenter = new TextAugmenter(Noisy with { Probability = 0.5, VariantsPerRow = 1 });

        var selected = Enumerable.Range(0, 400).Count(i => augmenter.Variants(Row, (ulong)i).Count > 0);

        Assert.InRange(selected, 150, 250);
    }

    [Fact]
    public void Each_kind_of_noise_does_what_it_says()
    {
        var text = new CompletionRow("x");
        Assert.Empty(new TextAugmenter(Noisy).Variants(text, 1));

        var row = new ClassificationRow("one two three four", 0);
        Assert.Equal("one two three four".Replace(" ", "  ", StringComparison.Ordinal), Only(new AugmentationOptions { WhitespaceNoise = 1 }, row));
        Assert.Equal("two one four three", Only(new AugmentationOptions { WordSwap = 1 }, row));
        Assert.Equal("one", Only(new AugmentationOptions { WordDropout = 1 }, row));
        Assert.Equal("one two three four", Only(new AugmentationOptions { CaseNoise = 1 }, row).ToLowerInvariant());

        static string Only(AugmentationOptions options, ClassificationRow row) =>
            Assert.IsType<ClassificationRow>(Assert.Single(new TextAugmenter(options).Variants(row, 5))).Text;
    }

    [Fact]
    public void Counterfactual_swaps_whole_words_both_ways_keeping_case()
    {
        var augmenter = new TextAugmenter(new AugmentationOptions { VariantsPerRow = 0, CounterfactualPairs = [new TermPair("he", "she"), new TermPair("man", "woman")] });

        Assert.Equal("She told him the woman, not the man, was HE.", augmenter.Counterfactual("He told him the man, not the woman, was SHE."));
        Assert.Equal("the hero", augmenter.Counterfactual("the hero"));

        var chat = new ChatRow([new ChatMessage("user", "he said"), new ChatMessage("assistant", "he did")]);
        var variant = Assert.IsType<ChatRow>(Assert.Single(augmenter.Variants(chat, 1)));
        Assert.Equal([new ChatMessage("user", "she said"), new ChatMessage("assistant", "he did")], variant.Messages);
    }

    [Fact]
    public void Invalid_augmentation_options_name_their_fields()
    {
        var problems = new AugmentationOptions { Probability = 2, VariantsPerRow = -1, CounterfactualPairs = [new TermPair("a b", "c")] }.Validate("aug").ToList();

        Assert.Equal(["aug.variantsPerRow must be 0 or more (got -1)", "aug.probability must be between 0 and 1 (got 2)", "aug.counterfactualPairs[0] must be two single words"], problems);
    }
}
