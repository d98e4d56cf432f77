using TuneOperator.Data.Datasets;
using TuneOperator.Data.Tests.Tokenization;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

/// <summary>Response-only masking on real tokenizer.json files and the chat templates they ship (Llama 3, Qwen 3, Llama 2).</summary>
public sealed class RealTokenizerTests
{
    private static readonly ChatRow Conversation = new(
    [
        new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi there"), new ChatMessage("assistant", "Hello! How can I help?"),
        new ChatMessage("user", "2+2?"), new ChatMessage("assistant", "4"),
    ]);

    private static TokenizedExample Build(ITextTokenizer tokenizer, DataRow row) =>
        new ExampleBuilder(tokenizer, new DataOptions { Sources = [new DatasetSource("x.jsonl")], ResponseOnly = true, MaxSeqLength = 4096 })
            .Build(row, "x", new DataLocation("x.jsonl", 1)).Example ?? throw new InvalidOperationException("dropped");

    private static string Trained(ITextTokenizer tokenizer, TokenizedExample example) =>
        tokenizer.Decode(example.Labels.Where(l => l != TokenizedExample.IgnoreIndex));

    [Theory]
    // The original Llama 3 template ends every rendering with an assistant header: it is not trained, the header
    // token that opens every turn is.
    [InlineData("llama3", "Hello! How can I help?<|eot_id|><|start_header_id|>4<|eot_id|><|start_header_id|>")]
    // Qwen 3 renders only the final answer with its (empty) reasoning block, so only that turn is located.
    [InlineData("qwen3", "<think>\n\n</think>\n\n4<|im_end|>\n")]
    [InlineData("llama2", "Hello! How can I help? </s> 4 </s>")]
    public void Chat_answers_are_the_only_trained_tokens(string model, string trained)
    {
        var tokenizer = TokenizerTestFiles.Tokenizer(model);

        var example = Build(tokenizer, Conversation);

        Assert.Equal(trained, Trained(tokenizer, example));
        Assert.Equal(tokenizer.Encode(tokenizer.ApplyChatTemplate(Conversation.Messages, addGenerationPrompt: false)), example.InputIds.Take(example.InputIds.Length - (model == "llama3" ? 1 : 0)));
        Assert.All(Enumerable.Range(0, example.Length), p => Assert.True(example.Labels[p] == TokenizedExample.IgnoreIndex || example.Labels[p] == example.InputIds[p]));
    }

    [Theory]
    [InlineData("llama3", "<|begin_of_text|>", "5<|end_of_text|>")]
    [InlineData("qwen3", "", "5<|im_end|>")]
    [InlineData("llama2", "<s> ", "5</s>")]
    public void Instruction_rows_train_on_the_output_and_eos(string model, string start, string trained)
    {
        var tokenizer = TokenizerTestFiles.Tokenizer(model);

        var example = Build(tokenizer, new InstructionRow("Add the numbers", "2 and 3", "5"));

        Assert.StartsWith(start + "Below is an instruction", tokenizer.Decode(example.InputIds), StringComparison.Ordinal);
        Assert.Equal(trained, Trained(tokenizer, example));
    }
}
