"""The Streamlit app: ``streamlit run assistant/app/main.py``."""
