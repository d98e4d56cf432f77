namespace TuneOperator.Data.Tokenization;

/// <summary>One entry of tokenizer.json's added_tokens.</summary>
internal sealed record AddedTokenEntry(int Id, string Content, bool Special, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized);

/// <summary>
/// Splits text into added tokens and the text between them: scanning left to right, the longest added token that
/// starts at a position wins. single_word tokens only match between non-word characters.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Node root = new();

    public AddedTokenSplitter(IEnumerable<AddedTokenEntry> tokens)
    {
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0)
            {
                continue;
            }

            var node = root;
            foreach (var c in token.Content)
            {
                if (!node.Children.TryGetValue(c, out var child))
                {
                    child = new Node();
                    node.Children[c] = child;
                }

                node = child;
            }

            node.Token = token;
        }

        IsEmpty = root.Children.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>Splits text into sections; a section with a token is an added token, the others are plain text.</summary>
    public List<(string Text, AddedTokenEntry? Token)> Split(string text)
    {
        var sections = new List<(string Text, AddedTokenEntry? Token)>();
        if (IsEmpty)
        {
            sections.Add((text, null));
            return sections;
        }

        var plainStart = 0;
        var position = 0;
        while (position < text.Length)
        {
            AddedTokenEntry? match = null;
            var node = root;
            for (var end = position; end < text.Length && node.Children.TryGetValue(text[end], out var child); end++)
            {
                node = child;
                if (node.Token is not null && (!node.Token.SingleWord || IsWordBoundary(text, position, end + 1)))
                {
                    match = node.Token;
                }
            }

            if (match is null)
            {
                position++;
                continue;
            }

            if (position > plainStart)
            {
                sections.Add((text[plainStart..position], null));
            }

            sections.Add((match.Content, match));
            position += match.Content.Length;
            plainStart = position;
        }

        if (plainStart < text.Length)
        {
            sections.Add((text[plainStart..], null));
        }

        return sections;
    }

    private static bool IsWordBoundary(string text, int start, int end) =>
        (start == 0 || !IsWordCharacter(text[start - 1])) && (end >= text.Length || !IsWordCharacter(text[end]));

    private static bool IsWordCharacter(char c) => char.IsLetterOrDigit(c) || c == '_';

    private sealed class Node
    {
        public Dictionary<char, Node> Children { get; } = [];

        public AddedTokenEntry? Token { get; set; }
    }
}
