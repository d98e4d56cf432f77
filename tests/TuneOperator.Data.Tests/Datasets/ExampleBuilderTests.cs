using TuneOperator.Data.Datasets;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class ExampleBuilderTests
{
    private const int I = TokenizedExample.IgnoreIndex;
    private static readonly CharTokenizer Tokenizer = new();
    private static readonly DataLocation Here = new("t.jsonl", 1);

    private static readonly PromptTemplate Short = new() { WithoutInput = "Q:{instruction}\nA:", WithInput = "Q:{instruction}\nI:{input}\nA:" };

    private static DataOptions Options(bool responseOnly = false, int maxSeqLength = 64, bool truncate = false) => new()
    {
        Sources = [new DatasetSource("t.jsonl")],
        ResponseOnly = responseOnly,
        MaxSeqLength = maxSeqLength,
        PromptTemplate = Short,
        Preprocessing = new PreprocessingOptions { TruncateOverLong = truncate },
    };

    private static int[] Ids(string text) => [.. Tokenizer.Encode(text)];

    private static TokenizedExample Build(DataRow row, DataOptions options) =>
        new ExampleBuilder(Tokenizer, options).Build(row, "t", Here).Example ?? throw new InvalidOperationException("dropped");

    [Fact]
    public void Response_only_masks_exactly_the_prompt()
    {
        var example = Build(new InstructionRow("hi", null, "yo"), Options(responseOnly: true));

        Assert.Equal([CharTokenizer.Bos, .. Ids("Q:hi\nA:yo"), CharTokenizer.Eos], example.InputIds);
        Assert.Equal([I, I, I, I, I, I, I, I, CharTokenizer.Id('y'), CharTokenizer.Id('o'), CharTokenizer.Eos], example.Labels);
        Assert.Equal(3, example.TrainableTokens);
    }

    [Fact]
    public void The_input_template_is_used_when_there_is_input()
    {
        var example = Build(new InstructionRow("hi", "x", "yo"), Options(responseOnly: true));

        Assert.Equal("<s>Q:hi\nI:x\nA:yo</s>", Tokenizer.Decode(example.InputIds));
        Assert.Equal(3, example.TrainableTokens);
    }

    [Fact]
    public void Causal_lm_trains_on_every_token_but_bos()
    {
        var example = Build(new InstructionRow("hi", null, "yo"), Options());

        Assert.Equal(I, example.Labels[0]);
        Assert.Equal(example.InputIds[1..], example.Labels[1..]);
    }

    [Fact]
    public void Chat_response_only_trains_on_assistant_turns_with_their_end_markers()
    {
        var row = new ChatRow(
        [
            new ChatMessage("system", "S"), new ChatMessage("user", "U1"), new ChatMessage("assistant", "A1"),
            new ChatMessage("user", "U2"), new ChatMessage("assistant", "A2"),
        ]);

        var example = Build(row, Options(responseOnly: true));

        Assert.Equal("<s><|system|>S<|end|><|user|>U1<|end|><|assistant|>A1<|end|><|user|>U2<|end|><|assistant|>A2<|end|></s>", Tokenizer.Decode(example.InputIds));
        Assert.Equal(CharTokenizer.Bos, example.InputIds[0]);
        Assert.NotEqual(CharTokenizer.Bos, example.InputIds[1]);
        var trainable = Enumerable.Range(0, example.Length).Where(p => example.Labels[p] != I).ToArray();
        Assert.Equal([9, 10, 11, 17, 18, 19, 20], trainable);
        Assert.All(trainable, p => Assert.Equal(example.InputIds[p], example.Labels[p]));
    }

    [Fact]
    public void Chat_without_an_assistant_turn_has_nothing_to_learn_under_response_only()
    {
        var result = new ExampleBuilder(Tokenizer, Options(responseOnly: true)).Build(new ChatRow([new ChatMessage("user", "hi")]), "t", Here);

        Assert.Null(result.Example);
        Assert.Equal(DropReason.Empty, result.Reason);
    }

    [Fact]
    public void Classification_examples_carry_the_label_and_no_token_loss()
    {
        var example = Build(new ClassificationRow("ok", 1), Options() with { Labels = ["no", "yes"] });

        Assert.Equal(1, example.ClassLabel);
        Assert.Equal([CharTokenizer.Bos, .. Ids("ok"), CharTokenizer.Eos], example.InputIds);
        Assert.All(example.Labels, l => Assert.Equal(I, l));
    }

    [Fact]
    public void Over_long_rows_are_dropped_with_their_length()
    {
        var result = new ExampleBuilder(Tokenizer, Options(maxSeqLength: 5)).Build(new CompletionRow("abcdef"), "t", Here);

        Assert.Equal(DropReason.OverLong, result.Reason);
        Assert.StartsWith("8 tokens exceed dataset.maxSeqLength 5", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncation_keeps_the_first_tokens()
    {
        var result = new ExampleBuilder(Tokenizer, Options(maxSeqLength: 5, truncate: true)).Build(new CompletionRow("abcdef"), "t", Here);

        Assert.True(result.Truncated);
        Assert.Equal([CharTokenizer.Bos, .. Ids("abcd")], result.Example!.InputIds);
        Assert.Equal([I, .. Ids("abcd")], result.Example.Labels);
    }

    [Fact]
    public void Truncation_that_leaves_no_response_drops_the_row()
    {
        var result = new ExampleBuilder(Tokenizer, Options(responseOnly: true, maxSeqLength: 6, truncate: true))
            .Build(new InstructionRow("a long question", null, "yes"), "t", Here);

        Assert.Equal(DropReason.OverLong, result.Reason);
        Assert.Contains("no response token is left", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bos_and_eos_can_be_left_out()
    {
        var example = Build(new CompletionRow("ab"), Options() with { AddBosToken = false, AddEosToken = false });

        Assert.Equal(Ids("ab"), example.InputIds);
    }

    [Fact]
    public void Placeholders_inside_row_text_are_not_expanded()
    {
        Assert.Equal("Q:{input}\nA:", Short.Render("{input}", null));
    }

    [Fact]
    public void A_template_that_rewrites_earlier_turns_trains_on_the_last_turn_only()
    {
        // Like templates that drop the reasoning of earlier assistant turns: an answered turn is shortened once a user speaks after it.
        var tokenizer = new DelegatingTokenizer((messages, generation) => Tokenizer.ApplyChatTemplate(
            [.. messages.Select((m, i) => m.Role == "assistant" && messages.Skip(i + 1).Any(n => n.Role == "user") ? m with { Content = "x" } : m)],
            generation));
        var row = new ChatRow([new ChatMessage("user", "U1"), new ChatMessage("assistant", "A1"), new ChatMessage("user", "U2"), new ChatMessage("assistant", "A2")]);

        var example = new ExampleBuilder(tokenizer, Options(responseOnly: true)).Build(row, "t", Here).Example!;

        Assert.Equal("<s><|user|>U1<|end|><|assistant|>x<|end|><|user|>U2<|end|><|assistant|>A2<|end|></s>", tokenizer.Decode(example.InputIds));
        Assert.Equal("A2<|end|></s>", tokenizer.Decode(example.Labels.Where(l => l != I)));
    }

    [Fact]
    public void A_template_that_is_never_prefix_stable_makes_the_row_malformed()
    {
        var tokenizer = new DelegatingTokenizer((messages, generation) => $"{messages.Count}:" + Tokenizer.ApplyChatTemplate(messages, generation));
        var row = new ChatRow([new ChatMessage("user", "U"), new ChatMessage("assistant", "A")]);

        var result = new ExampleBuilder(tokenizer, Options(responseOnly: true)).Build(row, "t", Here);
        var causal = new ExampleBuilder(tokenizer, Options()).Build(row, "t", Here);

        Assert.Equal(DropReason.Malformed, result.Reason);
        Assert.Contains("the response tokens cannot be located", result.Message, StringComparison.Ordinal);
        Assert.NotNull(causal.Example);
    }

    [Fact]
    public void A_merge_across_the_response_boundary_falls_back_to_encoding_parts_separately()
    {
        var tokenizer = new DelegatingTokenizer(merge: (':', 'y', 9000));
        var builder = new ExampleBuilder(tokenizer, Options(responseOnly: true));

        var merged = builder.Build(new InstructionRow("hi", null, "yo"), "t", Here).Example!;
        var joint = builder.Build(new InstructionRow("hy", null, "zo"), "t", Here).Example!;

        Assert.Equal([CharTokenizer.Bos, .. Ids("Q:hi\nA:yo"), CharTokenizer.Eos], merged.InputIds);
        Assert.Equal([I, I, I, I, I, I, I, I, CharTokenizer.Id('y'), CharTokenizer.Id('o'), CharTokenizer.Eos], merged.Labels);
        Assert.DoesNotContain(9000, joint.InputIds);
        Assert.Equal(3, joint.TrainableTokens);

        // Where the merge stays inside one part, the text is encoded in one piece.
        var inside = builder.Build(new InstructionRow("h", null, "x:y"), "t", Here).Example!;
        Assert.Equal([CharTokenizer.Id('x'), 9000, CharTokenizer.Eos], inside.Labels.Where(l => l != I));
    }

    [Fact]
    public void Markup_a_template_appends_after_the_final_turn_is_not_trained()
    {
        // Like the original Llama 3 template, which ends every rendering with an assistant header.
        var tokenizer = new DelegatingTokenizer((messages, _) => Tokenizer.ApplyChatTemplate(messages, addGenerationPrompt: true));
        var row = new ChatRow([new ChatMessage("user", "U1"), new ChatMessage("assistant", "A1"), new ChatMessage("user", "U2"), new ChatMessage("assistant", "A2")]);

        var example = new ExampleBuilder(tokenizer, Options(responseOnly: true)).Build(row, "t", Here).Example!;

        Assert.Equal("<s><|user|>U1<|end|><|assistant|>A1<|end|><|user|>U2<|end|><|assistant|>A2<|end|><|assistant|></s>", tokenizer.Decode(example.InputIds));
        var trainable = Enumerable.Range(0, example.Length).Where(p => example.Labels[p] != I).ToArray();
        Assert.Equal([6, 7, 8, 14, 15, 16], trainable);
    }

    [Fact]
    public void A_conversation_the_template_rejects_is_malformed()
    {
        var tokenizer = new DelegatingTokenizer((messages, generation) => messages.Count > 1 && messages[0].Role == messages[1].Role
            ? throw new InvalidOperationException("Conversation roles must alternate user/assistant")
            : Tokenizer.ApplyChatTemplate(messages, generation));
        var row = new ChatRow([new ChatMessage("user", "a"), new ChatMessage("user", "b"), new ChatMessage("assistant", "c")]);

        foreach (var responseOnly in new[] { true, false })
        {
            var result = new ExampleBuilder(tokenizer, Options(responseOnly)).Build(row, "t", Here);
            Assert.Equal(DropReason.Malformed, result.Reason);
            Assert.Equal("the chat template failed: Conversation roles must alternate user/assistant", result.Message);
        }
    }
}
