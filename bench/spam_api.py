def run(data):
    return ""
