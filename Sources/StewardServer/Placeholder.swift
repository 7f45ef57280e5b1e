enum _PlaceholderStewardServer {}
