using TuneOperator.Data.Datasets;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class RowParserTests
{
    private static RowParser Parser(DatasetFormat format, bool trim = true) =>
        new(format, new FieldNames(), ["negative", "positive"], trim);

    [Fact]
    public void Instruction_rows_are_trimmed_and_input_is_optional()
    {
        var row = Parser(DatasetFormat.Instruction).Parse("""{"instruction":"  Add  ","input":" 2 and 3 ","output":"5\n"}""").Row;
        Assert.Equal(new InstructionRow("Add", "2 and 3", "5"), row);

        var withoutInput = Parser(DatasetFormat.Instruction).Parse("""{"instruction":"Say hi","output":"hi"}""").Row;
        Assert.Equal(new InstructionRow("Say hi", null, "hi"), withoutInput);
    }

    [Fact]
    public void Trimming_can_be_turned_off()
    {
        var row = Parser(DatasetFormat.Completion, trim: false).Parse("""{"text":"  spaced  "}""").Row;
        Assert.Equal(new CompletionRow("  spaced  "), row);
    }

    [Fact]
    public void Aliases_prompt_response_and_sharegpt_are_accepted()
    {
        Assert.Equal(new InstructionRow("Q", null, "A"), Parser(DatasetFormat.Instruction).Parse("""{"prompt":"Q","response":"A"}""").Row);

        var chat = Assert.IsType<ChatRow>(Parser(DatasetFormat.Chat).Parse("""{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}]}""").Row);
        Assert.Equal([new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")], chat.Messages);
    }

    [Fact]
    public void Custom_field_names_are_used()
    {
        var parser = new RowParser(DatasetFormat.Completion, new FieldNames { Text = ["body"] }, [], trim: true);
        Assert.Equal(new CompletionRow("x"), parser.Parse("""{"body":"x"}""").Row);
        Assert.Equal("field 'body' is missing", parser.Parse("""{"text":"x"}""").Message);
    }

    [Fact]
    public void Classification_labels_are_found_by_name_or_index()
    {
        Assert.Equal(new ClassificationRow("good", 1), Parser(DatasetFormat.Classification).Parse("""{"text":"good","label":"positive"}""").Row);
        Assert.Equal(new ClassificationRow("bad", 0), Parser(DatasetFormat.Classification).Parse("""{"text":"bad","label":0}""").Row);
    }

    [Theory]
    [InlineData(DatasetFormat.Instruction, """{"instruction":"x", """, "invalid JSON")]
    [InlineData(DatasetFormat.Instruction, """["x"]""", "a row must be a JSON object, found an array")]
    [InlineData(DatasetFormat.Instruction, """{"instruction":"x"}""", "field 'output' is missing (also accepted: response, answer, completion)")]
    [InlineData(DatasetFormat.Instruction, """{"instruction":"x","output":5}""", "field 'output' must be a string, found a number")]
    [InlineData(DatasetFormat.Instruction, """{"instruction":null,"output":"y"}""", "field 'instruction' is null: give a string")]
    [InlineData(DatasetFormat.Instruction, """{"instruction":"x","input":["a"],"output":"y"}""", "field 'input' must be a string, found an array")]
    [InlineData(DatasetFormat.Chat, """{"messages":"hi"}""", "field 'messages' must be an array of messages, found a string")]
    [InlineData(DatasetFormat.Chat, """{"messages":[{"role":"user","content":"hi"},3]}""", "messages[1] must be an object with role and content, found a number")]
    [InlineData(DatasetFormat.Chat, """{"messages":[{"role":"narrator","content":"hi"}]}""", "messages[0].role 'narrator' is unknown: use system, user, assistant or tool")]
    [InlineData(DatasetFormat.Chat, """{"messages":[{"content":"hi"}]}""", "field 'messages[0].role' is missing (also accepted: from)")]
    [InlineData(DatasetFormat.Completion, """{"text":true}""", "field 'text' must be a string, found a boolean")]
    [InlineData(DatasetFormat.Classification, """{"text":"x","label":"neutral"}""", "field 'label' value 'neutral' is not a known label: use one of [negative, positive] or its index")]
    [InlineData(DatasetFormat.Classification, """{"text":"x","label":2}""", "field 'label' index 2 is outside the label list: use an integer from 0 to 1")]
    [InlineData(DatasetFormat.Classification, """{"text":"x","label":0.5}""", "field 'label' index 0.5 is outside the label list: use an integer from 0 to 1")]
    [InlineData(DatasetFormat.Classification, """{"text":"x"}""", "field 'label' is missing")]
    public void Malformed_rows_name_the_problem(DatasetFormat format, string line, string message)
    {
        var result = Parser(format).Parse(line);
        Assert.Null(result.Row);
        Assert.Equal(DropReason.Malformed, result.Reason);
        Assert.StartsWith(message, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_lines_are_empty()
    {
        var result = Parser(DatasetFormat.Completion).Parse("   ");
        Assert.Equal(DropReason.Empty, result.Reason);
    }

    [Fact]
    public void Normalized_keys_ignore_whitespace_runs_but_not_case()
    {
        Assert.Equal(new CompletionRow("a  b\n c").NormalizedKey(), new CompletionRow("a b c").NormalizedKey());
        Assert.NotEqual(new CompletionRow("a b").NormalizedKey(), new CompletionRow("A b").NormalizedKey());
        Assert.NotEqual(new CompletionRow("a  b").ExactKey(), new CompletionRow("a b").ExactKey());
    }
}
