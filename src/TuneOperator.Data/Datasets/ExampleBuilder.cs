using System.Text;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// Renders rows to text (prompt template, chat template) and tokenises them into <see cref="TokenizedExample"/>s with
/// loss masks. With <see cref="DataOptions.ResponseOnly"/>, only the instruction output, the assistant answers of a chat
/// (with their end-of-turn markup) and an appended EOS that follows a trained token are trained on. EOS is not
/// appended to a conversation whose template already uses it. An instruction row is
/// encoded in one piece so merges across the prompt/response boundary match the tokenizer's own; when a merge would
/// move the boundary, prompt and output are encoded separately instead. Chat answers are located on token ids (see
/// <see cref="EncodeChat"/>). A conversation the chat template rejects is a malformed row.
/// </summary>
/// <param name="tokenizer">The model's tokenizer.</param>
/// <param name="options">The dataset options.</param>
public sealed class ExampleBuilder(ITextTokenizer tokenizer, DataOptions options)
{
    /// <summary>Renders and tokenises one row.</summary>
    public ExampleBuildResult Build(DataRow row, string source, DataLocation location)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        try
        {
            if (row is ChatRow chat && options.ResponseOnly)
            {
                if (!EncodeChat(chat.Messages, ids, labels))
                {
                    return new ExampleBuildResult(null, DropReason.Malformed,
                        "the chat template does not render the conversation up to any assistant turn as a prefix of the whole, so the response tokens cannot be located: set objective responseOnly to false");
                }
            }
            else
            {
                Encode(Segments(row), ids, labels);
            }
        }
        catch (Exception ex) when (row is ChatRow && ex is not OperationCanceledException)
        {
            // Templates reject conversations they cannot render (e.g. roles that do not alternate).
            return new ExampleBuildResult(null, DropReason.Malformed, "the chat template failed: " + ex.Message);
        }

        if (options.AddBosToken && tokenizer.BosTokenId is { } bos && (ids.Count == 0 || ids[0] != bos))
        {
            ids.Insert(0, bos);
            labels.Insert(0, TokenizedExample.IgnoreIndex);
        }

        var classLabel = (row as ClassificationRow)?.LabelIndex;
        // A chat template that already uses EOS (as its end of turn) has placed it where the model should stop.
        if (options.AddEosToken && tokenizer.EosTokenId is { } eos && (ids.Count == 0 || ids[^1] != eos) && !(row is ChatRow && ids.Contains(eos)))
        {
            ids.Add(eos);
            labels.Add(labels.Count > 0 && labels[^1] != TokenizedExample.IgnoreIndex ? eos : TokenizedExample.IgnoreIndex);
        }

        var truncated = false;
        if (ids.Count > options.MaxSeqLength)
        {
            if (!options.Preprocessing.TruncateOverLong)
            {
                return new ExampleBuildResult(null, DropReason.OverLong,
                    $"{ids.Count} tokens exceed dataset.maxSeqLength {options.MaxSeqLength}: raise it, shorten the row or enable truncation");
            }

            ids.RemoveRange(options.MaxSeqLength, ids.Count - options.MaxSeqLength);
            labels.RemoveRange(options.MaxSeqLength, labels.Count - options.MaxSeqLength);
            truncated = true;
        }

        if (classLabel is null && labels.TrueForAll(l => l == TokenizedExample.IgnoreIndex))
        {
            return truncated
                ? new ExampleBuildResult(null, DropReason.OverLong,
                    $"no response token is left after truncation to dataset.maxSeqLength {options.MaxSeqLength}: raise it or shorten the prompt")
                : new ExampleBuildResult(null, DropReason.Empty, "nothing to learn: the row has no response tokens for the response-only loss");
        }

        return new ExampleBuildResult(new TokenizedExample([.. ids], [.. labels], classLabel, source, location), null, null, truncated);
    }

    private void Encode(IReadOnlyList<Segment> segments, List<int> ids, List<int> labels)
    {
        var whole = tokenizer.Encode(string.Concat(segments.Select(s => s.Text)));
        var boundaries = new List<int>(segments.Count);
        var prefix = new StringBuilder();
        var joint = true;
        for (var i = 0; i < segments.Count; i++)
        {
            prefix.Append(segments[i].Text);
            if (i == segments.Count - 1)
            {
                boundaries.Add(whole.Count);
                break;
            }

            if (segments[i].Trainable == segments[i + 1].Trainable)
            {
                boundaries.Add(-1);
                continue;
            }

            var head = tokenizer.Encode(prefix.ToString());
            if (!IsPrefix(head, whole))
            {
                joint = false;
                break;
            }

            boundaries.Add(head.Count);
        }

        if (joint)
        {
            var start = 0;
            for (var i = 0; i < segments.Count; i++)
            {
                if (boundaries[i] < 0)
                {
                    continue;
                }

                for (var t = start; t < boundaries[i]; t++)
                {
                    ids.Add(whole[t]);
                    labels.Add(segments[i].Trainable ? whole[t] : TokenizedExample.IgnoreIndex);
                }

                start = boundaries[i];
            }

            return;
        }

        foreach (var segment in segments)
        {
            foreach (var id in tokenizer.Encode(segment.Text))
            {
                ids.Add(id);
                labels.Add(segment.Trainable ? id : TokenizedExample.IgnoreIndex);
            }
        }
    }

    private static bool IsPrefix(IReadOnlyList<int> head, IReadOnlyList<int> whole)
    {
        if (head.Count > whole.Count)
        {
            return false;
        }

        for (var i = 0; i < head.Count; i++)
        {
            if (head[i] != whole[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The row's text in parts marked trainable or not (chat under response-only goes through <see cref="EncodeChat"/>).</summary>
    private List<Segment> Segments(DataRow row)
    {
        var responseOnly = options.ResponseOnly;
        List<Segment> segments = row switch
        {
            InstructionRow r => [new(options.PromptTemplate.Render(r.Instruction, r.Input), !responseOnly), new(r.Output, true)],
            CompletionRow r => [new(r.Text, true)],
            ClassificationRow r => [new(r.Text, false)],
            ChatRow r => [new(tokenizer.ApplyChatTemplate(r.Messages, addGenerationPrompt: false), true)],
            _ => throw new ArgumentException($"unknown row type {row.GetType().Name}", nameof(row)),
        };
        var nonEmpty = segments.Where(s => s.Text.Length > 0).ToList();
        return nonEmpty.Count > 0 ? nonEmpty : [new(string.Empty, false)];
    }

    /// <summary>
    /// Encodes a conversation with only its assistant answers trainable, working on token ids so every cut falls on a
    /// token boundary. For each assistant turn, the conversation rendered up to it with the generation prompt must
    /// encode to a prefix of the whole; the answer runs from there as far as the whole agrees with the conversation
    /// rendered up to and including the turn and, when that leaves some tokens, with the same followed by a probe user
    /// message, which cuts off what a template appends only after a final turn (e.g. an unconditional generation
    /// prompt). Templates that render a turn differently once it is no longer the last (e.g. by dropping reasoning)
    /// leave that turn untrained. False when there are assistant turns and none can be located.
    /// </summary>
    private bool EncodeChat(IReadOnlyList<ChatMessage> messages, List<int> ids, List<int> labels)
    {
        var whole = tokenizer.Encode(tokenizer.ApplyChatTemplate(messages, addGenerationPrompt: false));
        var trainable = new bool[whole.Count];
        var covered = 0;
        var turns = 0;
        var located = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != "assistant")
            {
                continue;
            }

            turns++;
            var prompt = tokenizer.Encode(tokenizer.ApplyChatTemplate([.. messages.Take(i)], addGenerationPrompt: true));
            if (prompt.Count < covered || !IsPrefix(prompt, whole))
            {
                continue;
            }

            var end = CommonPrefix(tokenizer.Encode(tokenizer.ApplyChatTemplate([.. messages.Take(i + 1)], addGenerationPrompt: false)), whole);
            var probedEnd = Math.Min(end, ProbedPrefix(messages, i, whole));
            end = probedEnd > prompt.Count ? probedEnd : end;
            if (end <= prompt.Count)
            {
                continue;
            }

            Array.Fill(trainable, true, prompt.Count, end - prompt.Count);
            covered = end;
            located++;
        }

        if (turns > 0 && located == 0)
        {
            return false;
        }

        for (var t = 0; t < whole.Count; t++)
        {
            ids.Add(whole[t]);
            labels.Add(trainable[t] ? whole[t] : TokenizedExample.IgnoreIndex);
        }

        return true;
    }

    /// <summary>How far the whole agrees with the conversation up to turn <paramref name="turn"/> followed by a probe user message; 0 if the template refuses the probe.</summary>
    private int ProbedPrefix(IReadOnlyList<ChatMessage> messages, int turn, IReadOnlyList<int> whole)
    {
        string probed;
        try
        {
            probed = tokenizer.ApplyChatTemplate([.. messages.Take(turn + 1), new ChatMessage("user", "\u2063")], addGenerationPrompt: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }

        return CommonPrefix(tokenizer.Encode(probed), whole);
    }

    private static int CommonPrefix(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var length = Math.Min(a.Count, b.Count);
        var i = 0;
        while (i < length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private sealed record Segment(string Text, bool Trainable);
}
