import SwitchboardSDK

/// A widget key as it may appear in a page: `sb_widget_` and URL-safe characters.
public enum WidgetKey {
    public static func isWellFormed(_ key: String) -> Bool {
        key.hasPrefix("sb_widget_") && key.count <= 200
            && key.utf8.allSatisfy { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 95 || b == 45
            }
    }
}
