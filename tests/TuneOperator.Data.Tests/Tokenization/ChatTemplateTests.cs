using System.Text.Json;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Tokenization;

/// <summary>
/// The chat templates of the real tokenizers rendered for a system + user + assistant conversation, compared with
/// Python's Jinja2 configured like transformers (reference_chat.py) and with @lenml/tokenizers (reference.mjs), whose
/// older Jinja interpreter cannot parse Qwen3's template.
/// </summary>
public sealed class ChatTemplateTests
{
    [Theory]
    [InlineData("llama3", false)]
    [InlineData("llama3", true)]
    [InlineData("qwen3", false)]
    [InlineData("qwen3", true)]
    [InlineData("llama2", false)]
    [InlineData("llama2", true)]
    public void Renders_like_Jinja2(string model, bool addGenerationPrompt)
    {
        var key = addGenerationPrompt ? "withGenerationPrompt" : "withoutGenerationPrompt";
        var rendered = TokenizerTestFiles.Tokenizer(model).ApplyChatTemplate(TokenizerTestFiles.Conversation(), addGenerationPrompt);

        Assert.Equal(TokenizerTestFiles.Jinja2Chat(model).GetProperty(key).GetString(), rendered);
    }

    [Theory]
    [InlineData("llama3", false)]
    [InlineData("llama3", true)]
    [InlineData("llama2", false)]
    [InlineData("llama2", true)]
    public void Renders_like_the_reference_tokenizer_library(string model, bool addGenerationPrompt)
    {
        var key = addGenerationPrompt ? "withGenerationPrompt" : "withoutGenerationPrompt";
        var expected = TokenizerTestFiles.Reference(model).GetProperty("chat").GetProperty(key);
        Assert.Equal(JsonValueKind.String, expected.ValueKind);

        Assert.Equal(expected.GetString(), TokenizerTestFiles.Tokenizer(model).ApplyChatTemplate(TokenizerTestFiles.Conversation(), addGenerationPrompt));
    }

    [Fact]
    public void Qwen3_template_renders_the_expected_turns()
    {
        var rendered = TokenizerTestFiles.Tokenizer("qwen3").ApplyChatTemplate(TokenizerTestFiles.Conversation(), addGenerationPrompt: true);

        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n  What is 12 + 30?  <|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n12 + 30 = 42.<|im_end|>\n<|im_start|>assistant\n",
            rendered);
    }

    [Fact]
    public void Qwen3_template_splits_reasoning_out_of_earlier_assistant_turns()
    {
        ChatMessage[] conversation =
        [
            new("user", "Hi"),
            new("assistant", "<think>\nGreeting.\n</think>\n\nHello!"),
            new("user", "Bye"),
        ];

        var rendered = TokenizerTestFiles.Tokenizer("qwen3").ApplyChatTemplate(conversation, addGenerationPrompt: false);

        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n", rendered);
    }

    [Fact]
    public void Llama2_template_rejects_conversations_that_do_not_alternate()
    {
        ChatMessage[] conversation = [new("user", "a"), new("user", "b")];

        var error = Assert.Throws<JinjaTemplateException>(() => TokenizerTestFiles.Tokenizer("llama2").ApplyChatTemplate(conversation, false));

        Assert.Contains("Conversation roles must alternate", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
        Assert.True(error.Column > 1);
    }

    [Fact]
    public void A_tokenizer_without_a_chat_template_says_how_to_add_one()
    {
        var tokenizer = HuggingFaceTokenizer.Load(TokenizerTestFiles.ModelDirectory("llama2"));

        var error = Assert.Throws<TokenizerFormatException>(() => tokenizer.ApplyChatTemplate([new("user", "hi")], true));

        Assert.Contains("tokenizer_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("chat_template", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendered_chat_encodes_special_markers_as_single_tokens()
    {
        var tokenizer = TokenizerTestFiles.Tokenizer("llama3");
        var rendered = tokenizer.ApplyChatTemplate(TokenizerTestFiles.Conversation(), addGenerationPrompt: true);

        var ids = tokenizer.Encode(rendered);

        Assert.Equal(tokenizer.BosTokenId, ids[0]);
        Assert.Equal(tokenizer.TokenToId("<|start_header_id|>"), ids[1]);
        Assert.Equal(rendered, tokenizer.Decode(ids));
    }
}
