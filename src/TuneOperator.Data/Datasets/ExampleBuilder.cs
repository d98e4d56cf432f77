using System.Text;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// Renders rows to text (prompt template, chat template) and tokenises them into <see cref="TokenizedExample"/>s with
/// loss masks. With <see cref="DataOptions.ResponseOnly"/>, only the instruction output, the assistant turns of a chat
/// (with their end-of-turn markup) and the EOS after them are trained on. The text is encoded in one piece so merges
/// across the prompt/response boundary match the tokenizer's own; when that would move the boundary, each part is
/// encoded on its own instead.
/// </summary>
/// <param name="tokenizer">The model's tokenizer.</param>
/// <param name="options">The dataset options.</param>
public sealed class ExampleBuilder(ITextTokenizer tokenizer, DataOptions options)
{
    /// <summary>Renders and tokenises one row.</summary>
    public ExampleBuildResult Build(DataRow row, string source, DataLocation location)
    {
        if (Segments(row) is not { } segments)
        {
            return new ExampleBuildResult(null, DropReason.Malformed,
                "the chat template does not render the conversation up to an assistant turn as a prefix of the whole, so the response tokens cannot be located: set objective responseOnly to false");
        }

        var ids = new List<int>();
        var labels = new List<int>();
        Encode(segments, ids, labels);
        if (options.AddBosToken && tokenizer.BosTokenId is { } bos && (ids.Count == 0 || ids[0] != bos))
        {
            ids.Insert(0, bos);
            labels.Insert(0, TokenizedExample.IgnoreIndex);
        }

        var classLabel = (row as ClassificationRow)?.LabelIndex;
        if (options.AddEosToken && tokenizer.EosTokenId is { } eos && (ids.Count == 0 || ids[^1] != eos))
        {
            ids.Add(eos);
            labels.Add(classLabel is null && segments[^1].Trainable ? eos : TokenizedExample.IgnoreIndex);
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

    /// <summary>The row's text in parts marked trainable or not; null when a chat template is not prefix-stable.</summary>
    private List<Segment>? Segments(DataRow row)
    {
        var responseOnly = options.ResponseOnly;
        List<Segment>? segments = row switch
        {
            InstructionRow r => [new(options.PromptTemplate.Render(r.Instruction, r.Input), !responseOnly), new(r.Output, true)],
            CompletionRow r => [new(r.Text, true)],
            ClassificationRow r => [new(r.Text, false)],
            ChatRow r when !responseOnly => [new(tokenizer.ApplyChatTemplate(r.Messages, addGenerationPrompt: false), true)],
            ChatRow r => ChatSegments(r.Messages),
            _ => throw new ArgumentException($"unknown row type {row.GetType().Name}", nameof(row)),
        };
        if (segments is null)
        {
            return null;
        }

        var nonEmpty = segments.Where(s => s.Text.Length > 0).ToList();
        return nonEmpty.Count > 0 ? nonEmpty : [new(string.Empty, false)];
    }

    private List<Segment>? ChatSegments(IReadOnlyList<ChatMessage> messages)
    {
        var whole = tokenizer.ApplyChatTemplate(messages, addGenerationPrompt: false);
        var segments = new List<Segment>();
        var covered = string.Empty;
        var stable = true;
        for (var i = 0; i < messages.Count && stable; i++)
        {
            if (messages[i].Role != "assistant")
            {
                continue;
            }

            var prompt = tokenizer.ApplyChatTemplate([.. messages.Take(i)], addGenerationPrompt: true);
            var answered = tokenizer.ApplyChatTemplate([.. messages.Take(i + 1)], addGenerationPrompt: false);
            stable = prompt.StartsWith(covered, StringComparison.Ordinal) && answered.StartsWith(prompt, StringComparison.Ordinal);
            if (stable)
            {
                segments.Add(new Segment(prompt[covered.Length..], false));
                segments.Add(new Segment(answered[prompt.Length..], true));
                covered = answered;
            }
        }

        if (stable && whole.StartsWith(covered, StringComparison.Ordinal))
        {
            segments.Add(new Segment(whole[covered.Length..], false));
            return segments;
        }

        // Templates that rewrite earlier turns (e.g. dropping old reasoning) are only prefix-stable for the last turn.
        var last = messages.Select((m, i) => (m, i)).LastOrDefault(x => x.m.Role == "assistant").i;
        var lastPrompt = tokenizer.ApplyChatTemplate([.. messages.Take(last)], addGenerationPrompt: true);
        var lastAnswered = tokenizer.ApplyChatTemplate([.. messages.Take(last + 1)], addGenerationPrompt: false);
        if (messages[last].Role == "assistant" && lastAnswered.StartsWith(lastPrompt, StringComparison.Ordinal) && whole.StartsWith(lastAnswered, StringComparison.Ordinal))
        {
            return [new(lastPrompt, false), new(lastAnswered[lastPrompt.Length..], true), new(whole[lastAnswered.Length..], false)];
        }

        return null;
    }

    private sealed record Segment(string Text, bool Trainable);
}
